"""What a transfer was for, in a member's words (a passbook's 摘要): the app that owns a transfer's
subject (a service, an order) registers a describer here, so the ledger names the service, the elder
or supplier and the time without importing the apps above it."""
from collections import defaultdict
from collections.abc import Callable, Iterable

_describers: dict[str, Callable[[list[str]], dict[str, str]]] = {}


def subject_describer(subject_type: str):
    """Register `fn(subject_ids) -> {subject_id: text}` for transfers whose subject is `subject_type`
    (a model's `app_label.modelname`)."""
    def register(fn):
        _describers[subject_type] = fn
        return fn
    return register


def describe_subjects(transfers: Iterable) -> dict[int, str]:
    """{transfer id: what it was for} for the transfers whose subject someone describes, in one call
    per kind of subject."""
    by_type: dict[str, list] = defaultdict(list)
    for transfer in transfers:
        if transfer.subject_type in _describers and transfer.subject_id:
            by_type[transfer.subject_type].append(transfer)
    out = {}
    for subject_type, group in by_type.items():
        texts = _describers[subject_type](sorted({t.subject_id for t in group}))
        for transfer in group:
            if transfer.subject_id in texts:
                out[transfer.pk] = texts[transfer.subject_id]
    return out
