"""Every movement of coins and points. `transfer_post`, `hold_create`, `hold_post` and `hold_void`
are the only primitives; the member-facing services (gift, donate, grant, credit, correct) are
built on them. Each locks the accounts it touches in ascending id order and nothing global."""
import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.models import AuditEvent
from timebank.audit.services import audit_record
from timebank.lib.errors import NotFound
from timebank.notices.models import NoticeKind
from timebank.notices.services import notice_send
from timebank.orgs.models import Node, NodeKind, RoleGrant
from timebank.orgs.roles import Perm, Role
from timebank.orgs.selectors import has_perm, rules_for
from timebank.people.models import Person, ProxyLink

from . import chain, mac
from .exceptions import (
    AccountUnknown,
    AlreadyDecided,
    AmountInvalid,
    ApprovalRequired,
    BalanceCapExceeded,
    CorrectionInvalid,
    CurrencyMismatch,
    GiftNotAllowed,
    GiftToActor,
    GiftToSelf,
    HoldAmountExceeded,
    HoldNotPending,
    IdempotencyConflict,
    InsufficientBalance,
    LimitExceeded,
    OtherBank,
    RedemptionNotYetAllowed,
    SameAccount,
)
from .models import Account, AccountKind, CorrectionRequest, Currency, GrantRequest, Transfer, TransferKind, TransferStatus

MAX_AMOUNT = 10**12
RELATIVES = ("child", "spouse", "relative")


def posting_time() -> dt.datetime:
    """When a transfer being posted now is stamped (one seam, so tests can post in the past)."""
    return timezone.now()


# ---- accounts -------------------------------------------------------------------------------

def member_account(person: Person, currency: str = Currency.TIME) -> Account:
    """The person's account in `currency`, opened on first use."""
    account = Account.objects.filter(owner=person, currency=currency, kind=AccountKind.MEMBER).first()
    if account is not None:
        return account
    if person.bank_id is None:
        raise AccountUnknown()
    try:
        with transaction.atomic():
            return Account.objects.create(bank_id=person.bank_id, owner=person, currency=currency, kind=AccountKind.MEMBER)
    except IntegrityError:
        return Account.objects.get(owner=person, currency=currency, kind=AccountKind.MEMBER)


def branch_of(node: Node) -> Node:
    """The branch a station belongs to (a branch is its own); banks and above have none."""
    if node.kind == NodeKind.BRANCH:
        return node
    if node.kind == NodeKind.STATION:
        return node.parent
    raise NotFound()


def system_account(node: Node, kind: str, currency: str = Currency.TIME) -> Account:
    """A system account of a branch (issuance, escrow, rewards) or bank (pool), opened on first use."""
    if kind == AccountKind.POOL:
        node = node.bank
    elif node.kind not in (NodeKind.BRANCH, NodeKind.BANK):
        node = branch_of(node)
    account = Account.objects.filter(node=node, kind=kind, currency=currency).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(bank_id=node.bank_id, node=node, kind=kind, currency=currency,
                                          allow_negative=(kind == AccountKind.ISSUANCE))
    except IntegrityError:
        return Account.objects.get(node=node, kind=kind, currency=currency)


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
            transfer.pk = cursor.fetchone()[0]
        transfer._state.adding = False
    except IntegrityError as err:
        raise _refusal(err) from None
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
    idempotency key was already used; the caller then finds out which."""
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
            "AND (SELECT count(*) FROM locked) = 2 "
            "ON CONFLICT (bank_id, idempotency_key) DO NOTHING RETURNING id")
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
            expires_at = timezone.now() + dt.timedelta(hours=rules_for(debit.bank).hold_timeout_hours)
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


def hold_void(*, hold: Transfer, actor=None, expired: bool = False) -> Transfer:
    """Release a hold in full (cancelled, or expired by the worker). Voiding twice is harmless."""
    with transaction.atomic():
        current = Transfer.objects.filter(pk=hold.pk).select_related("debit", "credit").first()
        if current is None:
            raise NotFound()
        _lock(current.debit, current.credit)
        hold = _lock_hold(current)
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
        current = Transfer.objects.filter(pk=hold.pk).select_related("debit", "credit").first()
        if current is None:
            raise NotFound()
        _lock(current.debit, current.credit)
        hold = _lock_hold(current)
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


# ---- member-facing services -------------------------------------------------------------------

def _earned_between(account: Account, start: dt.datetime, end: dt.datetime) -> int:
    return Transfer.objects.filter(credit=account, kind=TransferKind.SERVICE_CREDIT, status=TransferStatus.POSTED,
                                   created_at__gte=start, created_at__lt=end).aggregate(s=Sum("amount"))["s"] or 0


def earned_today(person: Person) -> int:
    """Minutes credited for service today (Asia/Shanghai day), for the daily cap."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return _earned_between(member_account(person), start, start + dt.timedelta(days=1))


class _PoolNeeded(Exception):
    """The credit overflows the balance cap: try again with the pool locked too (in id order)."""


def service_credit(*, volunteer: Person, minutes: int, points: int, branch: Node, subject=None, actor=None,
                   idempotency_key: str | None = None, from_hold: Transfer | None = None) -> dict:
    """Credit a served volunteer: time from the branch's issuance (or from the elder's hold for a
    redemption) and points from issuance. The daily cap and the balance cap apply; the result says
    what was credited. The caps are read after the volunteer's account is locked, so concurrent
    credits cannot all pass a cap that only one of them fits under."""
    minutes, points = _check_amount(minutes), (_check_amount(points) if points else 0)
    with_pool = False
    while True:
        try:
            with transaction.atomic():
                return _service_credit_locked(volunteer=volunteer, minutes=minutes, points=points, branch=branch,
                                              subject=subject, actor=actor, key=idempotency_key,
                                              from_hold=from_hold, with_pool=with_pool)
        except _PoolNeeded:
            # Rare (only when the cap overflows): the first attempt is rolled back, its locks with it,
            # and the second takes the pool's lock in ascending id order with the others.
            with_pool = True


def _service_credit_locked(*, volunteer, minutes, points, branch, subject, actor, key, from_hold, with_pool) -> dict:
    rules = rules_for(volunteer.bank)
    account = member_account(volunteer, Currency.TIME)
    issuance = system_account(branch, AccountKind.ISSUANCE)
    to_lock = [account, issuance]
    if from_hold is not None:
        to_lock += [Account(pk=from_hold.debit_id), Account(pk=from_hold.credit_id)]
    if with_pool:
        to_lock.append(system_account(branch, AccountKind.POOL))
    account = _lock(*to_lock)[account.pk]
    credited = minutes
    if rules.daily_earn_cap_minutes and not from_hold:
        credited = max(0, min(minutes, rules.daily_earn_cap_minutes - earned_today(volunteer)))
    overflow = 0
    if rules.balance_cap_minutes and account.balance + credited > rules.balance_cap_minutes:
        if rules.overflow_policy == "reject":
            raise BalanceCapExceeded(detail={"cap": rules.balance_cap_minutes, "balance": account.balance})
        overflow = account.balance + credited - rules.balance_cap_minutes
        credited -= overflow
        if not with_pool:
            raise _PoolNeeded()
    result = {"minutes": credited, "points": 0, "overflow": overflow, "capped": minutes - credited - overflow,
              "transfers": []}
    if from_hold is not None:
        t = hold_post(hold=from_hold, amount=min(minutes, from_hold.amount), credit=account, actor=actor,
                      subject=subject, idempotency_key=key and f"{key}:time")
        result["minutes"] = t.amount
        result["transfers"].append(t)
    elif credited:
        result["transfers"].append(transfer_post(
            debit=issuance, credit=account, amount=credited, kind=TransferKind.SERVICE_CREDIT, actor=actor,
            subject=subject, idempotency_key=key and f"{key}:time"))
    if overflow:
        result["transfers"].append(transfer_post(
            debit=issuance, credit=system_account(branch, AccountKind.POOL),
            amount=overflow, kind=TransferKind.OVERFLOW, actor=actor, subject=subject,
            memo=str(_("Excess over the balance cap, donated for %(name)s") % {"name": volunteer.name}),
            idempotency_key=key and f"{key}:overflow"))
    if points:
        result["points"] = points
        result["transfers"].append(transfer_post(
            debit=system_account(branch, AccountKind.ISSUANCE, Currency.POINTS),
            credit=member_account(volunteer, Currency.POINTS), amount=points, kind=TransferKind.POINTS_EARN,
            actor=actor, subject=subject, idempotency_key=key and f"{key}:points"))
    return result


def _is_relative(a: Person, b: Person) -> bool:
    return ProxyLink.objects.active().filter(relation__in=RELATIVES).filter(
        proxy=a, elder=b).exists() or ProxyLink.objects.active().filter(
        relation__in=RELATIVES, proxy=b, elder=a).exists()


def _can_spend_for(actor: Person, owner: Person) -> bool:
    from timebank.people.selectors import can_act_for

    return can_act_for(actor, owner)


def gift_send(*, actor: Person, sender: Person, recipient: Person, amount: int, memo: str = "",
              idempotency_key: str | None = None) -> Transfer:
    """转赠: a member gives time coins to a relative (or any member, where the bank allows)."""
    amount = _check_amount(amount)
    if not _can_spend_for(actor, sender):
        raise AccountUnknown()
    if sender.pk == recipient.pk:
        raise GiftToSelf()
    if recipient.pk == actor.pk:
        raise GiftToActor()  # whoever acts for the sender (a proxy, staff) never pays themselves
    if recipient.bank_id != sender.bank_id:
        raise OtherBank()
    rules = rules_for(sender.bank)
    if rules.gift_recipients == "relatives" and not _is_relative(sender, recipient):
        raise GiftNotAllowed()
    if rules.gift_max_minutes and amount > rules.gift_max_minutes:
        raise LimitExceeded(detail={"max": rules.gift_max_minutes})
    with transaction.atomic():
        transfer = transfer_post(debit=member_account(sender), credit=member_account(recipient), amount=amount,
                                 kind=TransferKind.GIFT, actor=actor, memo=memo, idempotency_key=idempotency_key)
        if getattr(transfer, "is_new", False):
            audit_record(actor=actor, action="ledger.gift", obj=transfer, node=sender.node, bank=sender.bank,
                         changes={"amount": amount, "to": recipient.pk})
    return transfer


def donation_make(*, actor: Person, donor: Person, amount: int, memo: str = "",
                  idempotency_key: str | None = None) -> Transfer:
    """捐赠: a member donates time coins to the bank's pool."""
    if not _can_spend_for(actor, donor):
        raise AccountUnknown()
    with transaction.atomic():
        transfer = transfer_post(debit=member_account(donor), credit=system_account(donor.node, AccountKind.POOL),
                                 amount=_check_amount(amount), kind=TransferKind.DONATION, actor=actor, memo=memo,
                                 idempotency_key=idempotency_key)
        if getattr(transfer, "is_new", False):
            audit_record(actor=actor, action="ledger.donation", obj=transfer, node=donor.node, bank=donor.bank,
                     changes={"amount": amount})
    return transfer


def grant_make(*, actor: Person, elder: Person, amount: int, source: str, reason: str,
               idempotency_key: str | None = None) -> GrantRequest:
    """A branch admin grants time coins to a hardship elder from the pool or from issuance. Up to
    the bank's approval threshold the grant posts at once (`request.transfer`); above it, it waits
    for a second admin (`grant_decide`). The same key again returns the first request."""
    amount = _check_amount(amount)
    if elder.node is None or not has_perm(actor, Perm.LEDGER_GRANT, elder.node):
        raise NotFound()
    reason = (reason or "").strip()[:200]
    if not reason:
        raise CorrectionInvalid(_("Give a reason."), code="reason_required")
    if source not in ("pool", "issuance"):
        raise CorrectionInvalid(_("Choose where the coins come from."), code="source_invalid")
    with transaction.atomic():
        if idempotency_key:
            prior = GrantRequest.objects.filter(bank_id=elder.bank_id, idempotency_key=idempotency_key).first()
            if prior is not None:
                if (prior.elder_id, prior.amount, prior.source) != (elder.pk, amount, source):
                    raise IdempotencyConflict()
                return prior
        try:
            with transaction.atomic():
                request = GrantRequest.objects.create(bank_id=elder.bank_id, elder=elder, amount=amount, source=source,
                                                      reason=reason, requested_by=actor, idempotency_key=idempotency_key)
        except IntegrityError:
            return GrantRequest.objects.get(bank_id=elder.bank_id, idempotency_key=idempotency_key)
        audit_record(actor=actor, action="ledger.grant_requested", obj=request, node=elder.node, bank=elder.bank,
                     changes={"amount": amount, "source": source, "elder": elder.pk, "reason": reason})
        if amount <= rules_for(elder.bank).correction_approval_minutes:
            _grant_execute(request, approver=actor)
    return request


def _grant_execute(request: GrantRequest, *, approver: Person) -> Transfer:
    elder = request.elder
    kind = AccountKind.POOL if request.source == "pool" else AccountKind.ISSUANCE
    transfer = transfer_post(debit=system_account(elder.node, kind), credit=member_account(elder), amount=request.amount,
                             kind=TransferKind.GRANT, actor=approver, memo=request.reason,
                             idempotency_key=f"grant:{request.pk}")
    request.transfer, request.approved, request.decided_by, request.decided_at = transfer, True, approver, timezone.now()
    request.save(update_fields=["transfer", "approved", "decided_by", "decided_at"])
    audit_record(actor=approver, action="ledger.grant", obj=transfer, node=elder.node, bank=elder.bank,
                 changes={"amount": request.amount, "source": request.source, "elder": elder.pk})
    return transfer


def grant_decide(*, actor: Person, request: GrantRequest, approve: bool) -> GrantRequest:
    """The second admin approves (the grant posts) or rejects; never the one who asked."""
    with transaction.atomic():
        request = (GrantRequest.objects.select_for_update(of=("self",)).select_related("elder__node")
                   .filter(pk=request.pk).first())
        if request is None or request.elder.node is None or not has_perm(actor, Perm.LEDGER_GRANT, request.elder.node):
            raise NotFound()
        if request.approved is not None:
            raise AlreadyDecided(_("This grant was already decided."))
        if request.requested_by_id == actor.pk:
            raise ApprovalRequired()
        if approve:
            _grant_execute(request, approver=actor)
        else:
            request.approved, request.decided_by, request.decided_at = False, actor, timezone.now()
            request.save(update_fields=["approved", "decided_by", "decided_at"])
            audit_record(actor=actor, action="ledger.grant_rejected", obj=request, node=request.elder.node)
    return request


def _node_of_account(account: Account) -> Node | None:
    if account.owner_id:
        return account.owner.node
    return account.node


def correction_request(*, actor: Person, original: Transfer, amount: int | None, reason: str) -> CorrectionRequest:
    """Ask to reverse (part of) a posted transfer. Small corrections post at once; above the bank's
    threshold they wait for a second admin."""
    original = Transfer.objects.select_related("debit__owner__node", "credit__owner__node", "debit__node",
                                               "credit__node").filter(pk=original.pk).first()
    if original is None:
        raise NotFound()
    node = _node_of_account(original.credit) or _node_of_account(original.debit)
    if node is None or not has_perm(actor, Perm.LEDGER_CORRECT, node):
        raise NotFound()
    if original.status != TransferStatus.POSTED:
        raise CorrectionInvalid()
    amount = original.amount if amount is None else _check_amount(amount)
    reason = (reason or "").strip()[:200]
    if not reason:
        raise CorrectionInvalid(_("Give a reason."), code="reason_required")
    with transaction.atomic():
        # What remains is read under the lock of the original's accounts: two corrections at once
        # cannot both take the same remainder. Requests still waiting for a second admin count too.
        _lock(original.debit, original.credit)
        waiting = (CorrectionRequest.objects.filter(original=original, approved__isnull=True)
                   .aggregate(s=Sum("amount"))["s"] or 0)
        remaining = _correction_remaining(original) - waiting
        if amount > remaining:
            raise CorrectionInvalid(_("This is more than remains of the original transfer."),
                                    code="correction_too_large", detail={"remaining": max(remaining, 0)})
        request = CorrectionRequest.objects.create(bank_id=original.bank_id, original=original, amount=amount,
                                                   reason=reason, requested_by=actor)
        audit_record(actor=actor, action="ledger.correction_requested", obj=request, node=node,
                     changes={"transfer": original.pk, "amount": amount, "reason": reason})
        threshold = rules_for(original.bank).correction_approval_minutes
        if original.currency == Currency.POINTS or amount <= threshold:
            _correction_execute(request, approver=actor)
    return request


def _correction_remaining(original: Transfer) -> int:
    posted = (Transfer.objects.filter(corrects=original, status=TransferStatus.POSTED)
              .aggregate(s=Sum("amount"))["s"] or 0)
    return original.amount - posted


def _correction_execute(request: CorrectionRequest, *, approver: Person) -> Transfer:
    original = request.original
    _lock(original.debit, original.credit)
    if request.amount > _correction_remaining(original):
        raise CorrectionInvalid(_("This is more than remains of the original transfer."), code="correction_too_large",
                                detail={"remaining": _correction_remaining(original)})
    transfer = transfer_post(debit=original.credit, credit=original.debit, amount=request.amount,
                             kind=TransferKind.CORRECTION, actor=approver, corrects=original,
                             memo=request.reason, idempotency_key=f"correction:{request.pk}")
    request.transfer, request.approved, request.decided_by, request.decided_at = transfer, True, approver, timezone.now()
    request.save(update_fields=["transfer", "approved", "decided_by", "decided_at"])
    return transfer


def correction_decide(*, actor: Person, request: CorrectionRequest, approve: bool) -> CorrectionRequest:
    """The second admin approves (the correction posts) or rejects; never the one who asked."""
    with transaction.atomic():
        request = (CorrectionRequest.objects.select_for_update(of=("self",)).select_related("original")
                   .filter(pk=request.pk).first())
        if request is None:
            raise NotFound()
        node = _node_of_account(request.original.credit) or _node_of_account(request.original.debit)
        if node is None or not has_perm(actor, Perm.LEDGER_CORRECT, node):
            raise NotFound()
        if request.approved is not None:
            raise AlreadyDecided(_("This correction was already decided."))
        if request.requested_by_id == actor.pk:
            raise ApprovalRequired()
        if approve:
            _correction_execute(request, approver=actor)
        else:
            request.approved, request.decided_by, request.decided_at = False, actor, timezone.now()
            request.save(update_fields=["approved", "decided_by", "decided_at"])
        audit_record(actor=actor, action="ledger.correction_approved" if approve else "ledger.correction_rejected",
                     obj=request, node=node)
    return request


# ---- the nightly check ------------------------------------------------------------------------

def ledger_verified_recently(now: dt.datetime, hours: int = 20) -> bool:
    """Whether the nightly check already ran within `hours` (by the time it recorded, which is the
    services' clock)."""
    last = AuditEvent.objects.filter(action="ledger.verified").order_by("-pk").values_list("changes", flat=True).first()
    if not last or "at" not in last:
        return False
    return dt.datetime.fromisoformat(last["at"]) >= now - dt.timedelta(hours=hours)


def ledger_verify_all() -> list:
    """Verify each open bank's ledger; record the result in the audit trail and, when it fails,
    send the bank's admins a ledger alert naming the problems (the worker runs it nightly)."""
    reports = []
    for bank in Node.objects.filter(kind=NodeKind.BANK, is_closed=False).order_by("pk"):
        report = chain.verify(bank.pk)
        reports.append(report)
        with transaction.atomic():
            audit_record(actor=None, action="ledger.verified", obj=bank, node=bank, bank=bank,
                         changes={"at": timezone.now().isoformat(), "ok": report.ok, "transfers": report.transfers,
                                  "sealed": report.sealed, "unsealed": report.unsealed,
                                  "problems": report.problems[:20]})
            if not report.ok:
                admins = RoleGrant.objects.filter(node=bank, role=Role.BANK_ADMIN, revoked_at__isnull=True)
                notice_send(people=admins.values_list("person_id", flat=True), kind=NoticeKind.LEDGER_ALERT,
                            subject=("orgs.node", bank.pk), link="/ledger/chain/",
                            text=str(_("The ledger check found %(n)s problem(s): %(first)s") % {
                                "n": len(report.problems), "first": report.problems[0]}),
                            sms_text=str(_("Time bank: the nightly ledger check failed. Open Ledger seals.")))
    return reports


def redemption_allowed(person: Person) -> None:
    """Raise unless the person meets the bank's minimum service (or membership time) before a
    first redemption; once they have redeemed, the rule no longer applies."""
    rules = rules_for(person.bank)
    if Transfer.objects.filter(debit__owner=person, kind=TransferKind.REDEMPTION).exists():
        return
    if rules.min_service_minutes_before_redeem:
        served = Transfer.objects.filter(credit__owner=person, currency=Currency.TIME, kind=TransferKind.SERVICE_CREDIT,
                                         status=TransferStatus.POSTED).aggregate(s=Sum("amount"))["s"] or 0
        if served < rules.min_service_minutes_before_redeem:
            raise RedemptionNotYetAllowed(detail={"served": served, "required": rules.min_service_minutes_before_redeem})
    if rules.min_days_before_redeem:
        if person.created_at > timezone.now() - dt.timedelta(days=rules.min_days_before_redeem):
            raise RedemptionNotYetAllowed(detail={"days": rules.min_days_before_redeem})


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
                ids.extend(sorted(r[0] for r in cursor.fetchall()))
    return ids
