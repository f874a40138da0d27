"""Holds (two-phase transfers): reserve, post all or part, void, extend, expire."""
import datetime as dt

from django.db import transaction
from django.utils import timezone

from timebank.ledger.models import LedgerRules
from timebank.lib.errors import NotFound

from .. import mac
from ..exceptions import HoldAmountExceeded, HoldNotPending, InsufficientBalance
from ..models import Account, Transfer, TransferStatus
from .posting import _check_amount, _insert, _lock, _replay, _subject, _validate_pair


def hold_create(*, debit: Account, credit: Account, amount: int, kind: str, actor=None, memo: str = "", subject=None,
                idempotency_key: str | None = None, expires_at: dt.datetime | None = None) -> Transfer:
    """Reserve `amount` on `debit`: available drops, the balance does not, until post/void/expiry."""
    amount = _check_amount(amount)
    _validate_pair(debit, credit)
    subject_type, subject_id = _subject(subject)
    with transaction.atomic():
        locked = _lock(debit, credit)
        debit, credit = locked[debit.pk], locked[credit.pk]
        again = _replay(debit.bank_id, idempotency_key, debit_id=debit.pk, credit_id=credit.pk, amount=amount, kind=kind)
        if again is not None:
            return again
        if not debit.allow_negative and debit.available < amount:
            raise InsufficientBalance(detail={"available": debit.available, "amount": amount})
        if expires_at is None:
            expires_at = timezone.now() + dt.timedelta(hours=LedgerRules.in_force(debit.bank).hold_timeout_hours)
        hold = _insert(bank_id=debit.bank_id, debit=debit, credit=credit, amount=amount, currency=debit.currency,
                       kind=kind, status=TransferStatus.PENDING, actor=actor if getattr(actor, "pk", None) else None,
                       memo=(memo or "")[:200], subject_type=subject_type, subject_id=subject_id,
                       idempotency_key=idempotency_key or None, expires_at=expires_at)
    return hold


def _lock_hold(hold: Transfer) -> Transfer:
    hold = Transfer.objects.select_for_update().filter(pk=hold.pk).first()
    if hold is None:
        raise NotFound()
    return hold


def _release(hold: Transfer, status: str) -> None:
    """`hold` is the locked, freshly read row. The database takes the hold off both accounts'
    pending totals when its status leaves pending; the row's fingerprint is renewed with it."""
    hold.status, hold.resolved_at = status, timezone.now()
    Transfer.objects.filter(pk=hold.pk).update(status=status, resolved_at=hold.resolved_at, mac=mac.of(hold))


def hold_post(*, hold: Transfer, amount: int | None = None, credit: Account | None = None, actor=None,
              memo: str = "", subject=None, idempotency_key: str | None = None) -> Transfer:
    """Post all or part of a hold (to its credit account or another of the same bank and currency);
    the rest is released. Posting the same hold twice returns the first posting."""
    with transaction.atomic():
        # Lock order: accounts first (ascending), then the hold row — the same order as hold_void.
        current = Transfer.objects.filter(pk=hold.pk).select_related("debit", "credit").first()
        if current is None:
            raise NotFound()
        target = credit or current.credit
        _validate_pair(current.debit, target)
        locked = _lock(current.debit, current.credit, target)
        hold = _lock_hold(current)
        if hold.status == TransferStatus.SETTLED:
            return hold.postings.get()
        if hold.status != TransferStatus.PENDING:
            raise HoldNotPending()
        amount = hold.amount if amount is None else _check_amount(amount)
        if amount > hold.amount:
            raise HoldAmountExceeded(detail={"held": hold.amount, "amount": amount})
        _release(hold, TransferStatus.SETTLED)
        debit, target = locked[hold.debit_id], locked[target.pk]
        subject_type, subject_id = _subject(subject) if subject is not None else (hold.subject_type, hold.subject_id)
        posting = _insert(bank_id=hold.bank_id, debit=debit, credit=target, amount=amount, currency=hold.currency,
                          kind=hold.kind, status=TransferStatus.POSTED, hold=hold,
                          actor=actor if getattr(actor, "pk", None) else None, memo=(memo or hold.memo)[:200],
                          subject_type=subject_type, subject_id=subject_id, idempotency_key=idempotency_key or None)
    return posting


def _lock_accounts_then_hold(hold: Transfer) -> Transfer:
    """The hold's two accounts (ascending id), then the hold itself, freshly read; 404 if it is gone."""
    current = Transfer.objects.filter(pk=hold.pk).select_related("debit", "credit").first()
    if current is None:
        raise NotFound()
    _lock(current.debit, current.credit)
    return _lock_hold(current)


def hold_void(*, hold: Transfer, actor=None, expired: bool = False) -> Transfer:
    """Release a hold in full (cancelled, or expired by the worker). Voiding twice is harmless."""
    with transaction.atomic():
        hold = _lock_accounts_then_hold(hold)
        if hold.status in (TransferStatus.VOIDED, TransferStatus.EXPIRED):
            return hold
        if hold.status != TransferStatus.PENDING:
            raise HoldNotPending()
        _release(hold, TransferStatus.EXPIRED if expired else TransferStatus.VOIDED)
        hold.refresh_from_db()
    return hold


def hold_extend(*, hold: Transfer, expires_at: dt.datetime | None, actor=None) -> Transfer:
    """Give a pending hold a new expiry (`None`: until it is posted or voided). Ledger rows are
    append-only, so the hold is voided and the same reservation is held again under the new
    expiry, in one transaction: the debit's available coins never change in between."""
    with transaction.atomic():
        hold = _lock_accounts_then_hold(hold)
        if hold.status != TransferStatus.PENDING:
            raise HoldNotPending()
        if hold.expires_at == expires_at:
            return hold
        _release(hold, TransferStatus.VOIDED)
        key = f"{hold.idempotency_key}:extended:{hold.pk}"[:128] if hold.idempotency_key else None
        renewed = _insert(bank_id=hold.bank_id, debit_id=hold.debit_id, credit_id=hold.credit_id, amount=hold.amount,
                          currency=hold.currency, kind=hold.kind, status=TransferStatus.PENDING,
                          actor=actor if getattr(actor, "pk", None) else None, memo=hold.memo,
                          subject_type=hold.subject_type, subject_id=hold.subject_id, idempotency_key=key,
                          expires_at=expires_at)
    return renewed


def holds_expire(now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Release holds past their expiry. Run by the worker; running it twice changes nothing more."""
    now = now or timezone.now()
    due = list(Transfer.objects.filter(status=TransferStatus.PENDING, expires_at__lte=now)
               .order_by("id").values_list("pk", flat=True)[:limit])
    count = 0
    for pk in due:
        hold = hold_void(hold=Transfer(pk=pk), expired=True)
        count += hold.status == TransferStatus.EXPIRED
    return count
