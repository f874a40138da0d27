"""The posting primitives: lock accounts in ascending id order, insert transfer rows (one or a batch)."""
import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import mac
from ..exceptions import (
    AccountUnknown,
    AmountInvalid,
    CorrectionInvalid,
    CurrencyMismatch,
    IdempotencyConflict,
    InsufficientBalance,
    OtherBank,
    SameAccount,
)
from ..models import Account, Transfer, TransferStatus

MAX_AMOUNT = 10**12


def posting_time() -> dt.datetime:
    """When a transfer being posted now is stamped (one seam, so tests can post in the past)."""
    return timezone.now()


def _check_amount(amount) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0 or amount > MAX_AMOUNT:
        raise AmountInvalid()
    return amount


_ACCOUNT_COLUMNS = [f.attname for f in Account._meta.concrete_fields]
_TRANSFER_COLUMNS = [f.attname for f in Transfer._meta.concrete_fields if f.attname != "id"]
_TRANSFER_TIMES = {"created_at", "expires_at", "resolved_at"}


def _lock(*accounts: Account) -> dict[int, Account]:
    """Lock the accounts' rows in ascending id order (so two transfers never deadlock) and reload
    them. Plain SQL: this is the hot path of every transfer."""
    ids = sorted({a.pk for a in accounts})
    sql = (f"SELECT {', '.join(_ACCOUNT_COLUMNS)} FROM ledger_account WHERE id IN ({', '.join(['%s'] * len(ids))}) "
           f"ORDER BY id{' FOR UPDATE' if connection.features.has_select_for_update else ''}")
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        rows = cursor.fetchall()
    if len(rows) != len(ids):
        raise AccountUnknown()
    return {row[0]: Account.from_db(connection.alias, _ACCOUNT_COLUMNS, row) for row in rows}


def _replay(bank_id: int, key: str | None, **expected) -> Transfer | None:
    """The transfer already posted under this key, if any; a different request with it is refused."""
    if not key:
        return None
    existing = Transfer.objects.filter(bank_id=bank_id, idempotency_key=key).first()
    if existing is None:
        return None
    for field, value in expected.items():
        if getattr(existing, field) != value:
            raise IdempotencyConflict()
    return existing


def _subject(subject) -> tuple[str, str]:
    if subject is None:
        return "", ""
    if isinstance(subject, tuple):
        return str(subject[0])[:40], str(subject[1])[:40]
    return subject._meta.label_lower[:40], str(subject.pk)


def _validate_pair(debit: Account, credit: Account) -> None:
    if debit.pk == credit.pk:
        raise SameAccount()
    if debit.currency != credit.currency:
        raise CurrencyMismatch()
    if debit.bank_id != credit.bank_id:
        raise OtherBank()


def _insert(**fields) -> Transfer:
    """Insert one transfer row. The database's triggers then add it to both accounts' totals (see
    ledger migration 0006): inserting the row *is* the posting, on both databases. Plain SQL and no
    savepoint: if the database refuses the row, the whole transfer rolls back."""
    transfer = Transfer(**fields)
    transfer.mac = mac.of(transfer)
    when = Transfer._meta.get_field("created_at")
    values = [when.get_db_prep_value(getattr(transfer, c), connection) if c in _TRANSFER_TIMES else getattr(transfer, c)
              for c in _TRANSFER_COLUMNS]
    sql = (f"INSERT INTO ledger_transfer ({', '.join(_TRANSFER_COLUMNS)}) "
           f"VALUES ({', '.join(['%s'] * len(values))}) RETURNING id")
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            row = cursor.fetchone()
    except IntegrityError as err:
        raise _refusal(err) from None
    if row is None:  # the key trigger skipped it: the key was used (callers replay a used key before)
        raise IdempotencyConflict()
    transfer.pk = row[0]
    transfer._state.adding = False
    transfer.is_new = True  # replays of an idempotency key return rows without this mark
    return transfer


def _refusal(err: IntegrityError) -> Exception:
    """The ledger error for a row the database refused (its checks are the last line of defence)."""
    text = str(err).lower()
    if "idempotency" in text or "unique" in text:
        return IdempotencyConflict()
    if "correct" in text:
        return CorrectionInvalid(_("This is more than remains of the original transfer."),
                                 code="correction_too_large")
    if "bank" in text:
        return OtherBank()
    if "currency" in text:
        return CurrencyMismatch()
    return InsufficientBalance()


_POST_SQL: dict[str, str] = {}


def _post_sql() -> str:
    """The posting as one statement, the same on both databases: lock both accounts in ascending id
    order, check the debit's available coins, insert the row (the database's triggers then move
    both totals). No row comes back when there are not enough coins, an account is unknown or the
    idempotency key was already used (the key trigger of ledger migration 0013 skips the row); the
    caller then finds out which."""
    vendor = connection.vendor
    if vendor not in _POST_SQL:
        fields = {f.attname: f for f in Transfer._meta.concrete_fields}
        cast = (lambda c: f"::{fields[c].db_type(connection)}") if vendor == "postgresql" else (lambda c: "")
        _POST_SQL[vendor] = (
            "WITH locked AS MATERIALIZED (SELECT id, allow_negative, "
            "posted_credits - posted_debits - pending_debits AS available FROM ledger_account "
            f"WHERE id IN (%s, %s) ORDER BY id{' FOR UPDATE' if vendor == 'postgresql' else ''}) "
            f"INSERT INTO ledger_transfer ({', '.join(_TRANSFER_COLUMNS)}) "
            f"SELECT {', '.join(f'%s{cast(c)}' for c in _TRANSFER_COLUMNS)} FROM locked "
            "WHERE locked.id = %s AND (locked.allow_negative OR locked.available >= %s) "
            "AND (SELECT count(*) FROM locked) = 2 RETURNING id")
    return _POST_SQL[vendor]


def transfer_post(*, debit: Account, credit: Account, amount: int, kind: str, actor=None, memo: str = "",
                  subject=None, idempotency_key: str | None = None, corrects: Transfer | None = None) -> Transfer:
    """Move `amount` from `debit` to `credit` now. Same key + same request → the first transfer."""
    amount = _check_amount(amount)
    _validate_pair(debit, credit)
    subject_type, subject_id = _subject(subject)
    transfer = Transfer(bank_id=debit.bank_id, debit_id=debit.pk, credit_id=credit.pk, amount=amount,
                        currency=debit.currency, kind=kind, status=TransferStatus.POSTED,
                        actor_id=actor.pk if getattr(actor, "pk", None) else None, memo=(memo or "")[:200],
                        subject_type=subject_type, subject_id=subject_id, idempotency_key=idempotency_key or None,
                        corrects_id=corrects.pk if corrects else None, created_at=posting_time())
    transfer.mac = mac.of(transfer)
    when = Transfer._meta.get_field("created_at")
    values = [when.get_db_prep_value(getattr(transfer, c), connection) if c in _TRANSFER_TIMES else getattr(transfer, c)
              for c in _TRANSFER_COLUMNS]
    with transaction.atomic():
        try:
            with connection.cursor() as cursor:
                cursor.execute(_post_sql(), [min(debit.pk, credit.pk), max(debit.pk, credit.pk), *values,
                                             debit.pk, amount])
                row = cursor.fetchone()
        except IntegrityError as err:
            raise _refusal(err) from None
        if row is None:
            # Not posted: both accounts are locked now (if they exist), so what follows is exact.
            locked = _lock(debit, credit)
            again = _replay(debit.bank_id, idempotency_key, debit_id=debit.pk, credit_id=credit.pk, amount=amount,
                            kind=kind)
            if again is not None:
                return again
            available = locked[debit.pk].available
            raise InsufficientBalance(detail={"available": available, "amount": amount})
    transfer.pk = row[0]
    transfer._state.adding = False
    transfer.is_new = True  # replays of an idempotency key return rows without this mark
    return transfer


def transfer_post_batch(*, entries: list[tuple[Account, Account, int]], kind: str, actor=None, memo: str = "",
                        subject=None, idempotency_key: str | None = None) -> list[int]:
    """Post many transfers all-or-nothing (a group activity's credits): every account locked once in
    ascending id order, rows inserted in multi-row statements; the database adds each statement's
    rows to the accounts' totals once per account.
    Returns the transfer ids, in entry order; the same key again returns the first ids."""
    if not entries:
        return []
    subject_type, subject_id = _subject(subject)
    for debit, credit, amount in entries:
        _check_amount(amount)
        _validate_pair(debit, credit)
    bank_id = entries[0][0].bank_id
    with transaction.atomic():
        locked = _lock(*[a for entry in entries for a in entry[:2]])
        if idempotency_key and Transfer.objects.filter(bank_id=bank_id, idempotency_key=f"{idempotency_key}:0").exists():
            keys = [f"{idempotency_key}:{i}" for i in range(len(entries))]
            existing = list(Transfer.objects.filter(bank_id=bank_id, idempotency_key__in=keys).order_by("id")
                            .values_list("id", flat=True))
            if len(existing) != len(entries):
                raise IdempotencyConflict()
            return existing
        out_by = {}
        for debit, _credit, amount in entries:
            out_by[debit.pk] = out_by.get(debit.pk, 0) + amount
        for account_id, total in out_by.items():
            account = locked[account_id]
            if not account.allow_negative and account.available < total:
                raise InsufficientBalance(detail={"account": account_id, "available": account.available})
        when = posting_time()
        created_at = Transfer._meta.get_field("created_at").get_db_prep_value(when, connection)
        actor_id = actor.pk if getattr(actor, "pk", None) else None
        columns = ("bank_id", "debit_id", "credit_id", "amount", "currency", "kind", "status", "actor_id", "memo",
                   "subject_type", "subject_id", "created_at", "idempotency_key", "mac")
        memo = (memo or "")[:200]
        rows = []
        for i, (debit, credit, amount) in enumerate(entries):
            key = f"{idempotency_key}:{i}" if idempotency_key else None
            row = Transfer(bank_id=bank_id, debit_id=debit.pk, credit_id=credit.pk, amount=amount,
                           currency=debit.currency, kind=kind, status=TransferStatus.POSTED, actor_id=actor_id,
                           memo=memo, subject_type=subject_type, subject_id=subject_id, created_at=when,
                           idempotency_key=key)
            rows.append((bank_id, debit.pk, credit.pk, amount, debit.currency, kind, TransferStatus.POSTED, actor_id,
                         memo, subject_type, subject_id, created_at, key, mac.of(row)))
        ids: list[int] = []
        placeholder = f"({', '.join(['%s'] * len(columns))})"
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 1000):
                chunk = rows[start:start + 1000]
                try:
                    cursor.execute(f"INSERT INTO ledger_transfer ({', '.join(columns)}) VALUES "
                                   f"{', '.join([placeholder] * len(chunk))} RETURNING id",
                                   [v for row in chunk for v in row])
                except IntegrityError as err:
                    raise _refusal(err) from None
                stored = sorted(r[0] for r in cursor.fetchall())
                if len(stored) != len(chunk):  # a key was used meanwhile (the key trigger skipped its row)
                    raise IdempotencyConflict()
                ids.extend(stored)
    return ids
