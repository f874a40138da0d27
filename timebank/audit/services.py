"""Writing audit events: every service that changes or reveals something calls `audit_record`."""
from typing import Any

from django.db import models

from timebank.lib.request_context import current_ip

from .models import AuditEvent


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields that changed."""
    return {k: [_plain(before.get(k)), _plain(after.get(k))] for k in after if before.get(k) != after.get(k)}


def audit_record(*, actor, action: str, obj: models.Model | None = None, node=None, bank=None,
                 changes: dict | None = None) -> AuditEvent:
    if obj is not None and node is None:
        node = getattr(obj, "node", None)
    if bank is None:
        bank = getattr(obj, "bank", None) if obj is not None else None
        if bank is None and node is not None:
            bank = node.bank
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        node=node if getattr(node, "pk", None) else None,
        bank=bank if getattr(bank, "pk", None) else None,
        ip=current_ip() or None,
        changes={k: _plain(v) if not isinstance(v, list) else [_plain(x) for x in v] for k, v in (changes or {}).items()},
    )


def audit_records(*, actor, action: str, items: list[tuple[models.Model, dict]]) -> list[AuditEvent]:
    """One event per (object, changes), written in one statement (a batch such as a roster import)."""
    ip = current_ip() or None
    events = []
    for obj, changes in items:
        node = getattr(obj, "node", None)
        bank = getattr(obj, "bank", None) or (node.bank if node is not None else None)
        events.append(AuditEvent(
            actor=actor if getattr(actor, "pk", None) else None, action=action,
            object_type=obj._meta.label_lower, object_id=str(obj.pk), object_repr=str(obj)[:200],
            node=node if getattr(node, "pk", None) else None, bank=bank if getattr(bank, "pk", None) else None, ip=ip,
            changes={k: _plain(v) if not isinstance(v, list) else [_plain(x) for x in v] for k, v in changes.items()},
        ))
    return AuditEvent.objects.bulk_create(events, batch_size=1000)
