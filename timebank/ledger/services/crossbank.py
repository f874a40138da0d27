"""Coins moving between two banks of the platform (通存通兑). Each bank's ledger stays balanced on its
own: the payer's bank posts member → its clearing account with the payee's bank, the payee's bank
posts its clearing account with the payer's bank → member. Both legs commit together or not at all;
the two clearing accounts of a pair therefore always sum to zero, and a netting run settles them."""
from django.db import IntegrityError, connection, transaction

from timebank.lib.errors import NotFound
from timebank.orgs.models import Node

from .. import mac
from ..exceptions import (
    AccountUnknown,
    CurrencyMismatch,
    HoldAmountExceeded,
    HoldNotPending,
    IdempotencyConflict,
    InsufficientBalance,
    SameBank,
)
from ..models import Account, AccountKind, Transfer, TransferKind, TransferStatus
from .accounts import clearing_account
from .holds import _release
from .posting import (
    _TRANSFER_COLUMNS,
    _TRANSFER_TIMES,
    _check_amount,
    _insert,
    _lock,
    _refusal,
    _subject,
    posting_time,
)

_CROSS_SQL: dict[str, str] = {}
# (payer's bank, payee's bank, currency) → the two clearing accounts' ids, as last read. The posting
# statement checks them (id, kind, bank and peer) under its locks, so a remembered id that is no longer
# that account (opened in a transaction that rolled back; SQLite may reuse the id) posts nothing, and the
# pair is read again.
_PAIRS: dict[tuple[int, int, str], tuple[int, int]] = {}


def _cross_sql() -> str:
    """Both legs as one statement, the same on both databases: lock the four accounts in ascending id
    order, check the payer's available coins, insert the two rows (the database's triggers then move the
    four totals). No row comes back when there are not enough coins, an account is unknown or the keys
    were used (the key trigger skips a row whose key was used); the caller then finds out which."""
    vendor = connection.vendor
    if vendor not in _CROSS_SQL:
        fields = {f.attname: f for f in Transfer._meta.concrete_fields}
        cast = (lambda c: f"::{fields[c].db_type(connection)}") if vendor == "postgresql" else (lambda c: "")
        row = ", ".join(f"%s{cast(c)}" for c in _TRANSFER_COLUMNS)
        condition = ("WHERE locked.id = %s AND (locked.allow_negative OR locked.available >= %s) "
                     "AND (SELECT count(*) FROM locked) = 4 AND (SELECT count(*) FROM locked AS c WHERE c.kind = "
                     "'clearing' AND c.currency = %s AND ((c.id = %s AND c.node_id = %s AND c.peer_id = %s) "
                     "OR (c.id = %s AND c.node_id = %s AND c.peer_id = %s))) = 2")
        _CROSS_SQL[vendor] = (
            "WITH locked AS MATERIALIZED (SELECT id, allow_negative, kind, currency, node_id, peer_id, "
            "posted_credits - posted_debits - pending_debits AS available FROM ledger_account "
            f"WHERE id IN (%s, %s, %s, %s) ORDER BY id{' FOR UPDATE' if vendor == 'postgresql' else ''}) "
            f"INSERT INTO ledger_transfer ({', '.join(_TRANSFER_COLUMNS)}) "
            f"SELECT {row} FROM locked {condition} UNION ALL SELECT {row} FROM locked {condition} "
            "RETURNING id, bank_id")
    return _CROSS_SQL[vendor]


def _clearing_pair(debit: Account, credit: Account, *, fresh: bool = False) -> tuple[int, int]:
    """The ids of the payer's bank's clearing account with the payee's bank and the reverse: as last
    read (checked by the posting statement), or in one indexed read. Opened on first use, lower bank
    first: two first gifts in opposite directions would otherwise each wait for the other's uncommitted
    account."""
    key = (debit.bank_id, credit.bank_id, debit.currency)
    if not fresh and key in _PAIRS:
        return _PAIRS[key]
    pairs = {(bank, peer): pk for pk, bank, peer in Account.objects.filter(
        kind="clearing", currency=debit.currency, node_id__in=[debit.bank_id, credit.bank_id],
        peer_id__in=[debit.bank_id, credit.bank_id]).values_list("pk", "node_id", "peer_id")}
    wanted = [(debit.bank_id, credit.bank_id), (credit.bank_id, debit.bank_id)]
    if any(w not in pairs for w in wanted):
        banks = {n.pk: n for n in Node.objects.filter(pk__in=[debit.bank_id, credit.bank_id])}
        for bank, peer in sorted(wanted):
            pairs[(bank, peer)] = clearing_account(banks[bank], banks[peer], debit.currency).pk
    _PAIRS[key] = (pairs[wanted[0]], pairs[wanted[1]])
    return _PAIRS[key]


def cross_bank_post(*, debit: Account, credit: Account, amount: int, kind: str, actor=None, memo: str = "",
                    subject=None, idempotency_key: str | None = None) -> tuple[Transfer, Transfer]:
    """Move `amount` from `debit` (an account of one bank) to `credit` (an account of another): two
    linked transfers, one in each bank, through the banks' clearing accounts with each other. The four
    accounts are locked in ascending id order, as every transfer locks its two, so cross-bank and
    same-bank postings never deadlock. The same key again returns the first pair and posts nothing."""
    amount = _check_amount(amount)
    if debit.currency != credit.currency:
        raise CurrencyMismatch()
    if debit.bank_id == credit.bank_id:
        raise SameBank()
    return _post_both(debit=debit, credit=credit, amount=amount, kind=kind, actor=actor, memo=memo, subject=subject,
                      idempotency_key=idempotency_key, pair=_clearing_pair(debit, credit))


class _StalePair(Exception):
    """The posting statement stored nothing and the clearing pair it was given may be stale."""


def _post_both(*, debit, credit, amount, kind, actor, memo, subject, idempotency_key, pair) -> tuple[Transfer, Transfer]:
    """Post both legs; when nothing was stored, read the clearing pair again (opening it if it is not
    there) — outside the posting's savepoint, so no account stays locked while one is opened, which
    would deadlock with a first gift the other way — and try once more."""
    common = {"debit": debit, "credit": credit, "amount": amount, "kind": kind, "actor": actor, "memo": memo,
              "subject": subject, "idempotency_key": idempotency_key}
    try:
        return _post_both_once(**common, pair=pair)
    except _StalePair:
        return _post_both_once(**common, pair=_clearing_pair(debit, credit, fresh=True), checked=True)


def _post_both_once(*, debit, credit, amount, kind, actor, memo, subject, idempotency_key, pair,
                    checked: bool = False) -> tuple[Transfer, Transfer]:
    out_clearing, in_clearing = pair
    keys = (f"{idempotency_key}:out", f"{idempotency_key}:in") if idempotency_key else (None, None)
    subject_type, subject_id = _subject(subject)
    when = posting_time()
    legs = []
    for bank_id, leg_debit, leg_credit, key in ((debit.bank_id, debit.pk, out_clearing, keys[0]),
                                                (credit.bank_id, in_clearing, credit.pk, keys[1])):
        leg = Transfer(bank_id=bank_id, debit_id=leg_debit, credit_id=leg_credit, amount=amount,
                       currency=debit.currency, kind=kind, status=TransferStatus.POSTED,
                       actor_id=actor.pk if getattr(actor, "pk", None) else None, memo=(memo or "")[:200],
                       subject_type=subject_type, subject_id=subject_id, idempotency_key=key, created_at=when)
        leg.mac = mac.of(leg)
        legs.append(leg)
    when_field = Transfer._meta.get_field("created_at")
    params = [*sorted([debit.pk, credit.pk, out_clearing, in_clearing])]
    for leg in legs:
        params += [when_field.get_db_prep_value(getattr(leg, c), connection) if c in _TRANSFER_TIMES
                   else getattr(leg, c) for c in _TRANSFER_COLUMNS]
        params += [debit.pk, amount, debit.currency, out_clearing, debit.bank_id, credit.bank_id, in_clearing,
                   credit.bank_id, debit.bank_id]
    with transaction.atomic():
        try:
            with connection.cursor() as cursor:
                cursor.execute(_cross_sql(), params)
                rows = cursor.fetchall()
        except IntegrityError as err:
            raise _refusal(err) from None
        if len(rows) == 2:
            ids = {bank_id: pk for pk, bank_id in rows}
            for leg in legs:
                leg.pk, leg._state.adding, leg.is_new = ids[leg.bank_id], False, True
            return legs[0], legs[1]
        if rows:  # one key used and not the other: never by this service
            raise IdempotencyConflict()
        if not checked:  # perhaps a remembered account that is not that account any more: read them, once more
            raise _StalePair()  # after this savepoint let go of the rows the statement locked
        locked = _lock(debit, credit, Account(pk=out_clearing), Account(pk=in_clearing))
        if keys[0]:
            first = Transfer.objects.filter(bank_id=debit.bank_id, idempotency_key=keys[0]).first()
            if first is not None:
                second = Transfer.objects.filter(bank_id=credit.bank_id, idempotency_key=keys[1]).first()
                if (first.debit_id, first.amount, first.kind) != (debit.pk, amount, kind) or second is None \
                        or second.credit_id != credit.pk:
                    raise IdempotencyConflict()
                return first, second
        raise InsufficientBalance(detail={"available": locked[debit.pk].available, "amount": amount})


def clearing_accounts_between(bank: Node, peer: Node, currency: str) -> tuple[Account, Account]:
    """`bank`'s clearing account with `peer` and `peer`'s with `bank` (opened on first use, lower bank
    first, as `cross_bank_post` opens them). A hold for a service in the peer bank is made to the first."""
    out_id, in_id = _clearing_pair(Account(bank_id=bank.pk, currency=currency),
                                   Account(bank_id=peer.pk, currency=currency))
    accounts = {a.pk: a for a in Account.objects.filter(pk__in=[out_id, in_id])}

    def is_pair() -> bool:
        return all(a is not None and a.kind == AccountKind.CLEARING and a.currency == currency
                   and (a.node_id, a.peer_id) == owners
                   for a, owners in ((accounts.get(out_id), (bank.pk, peer.pk)),
                                     (accounts.get(in_id), (peer.pk, bank.pk))))

    if not is_pair():  # a remembered id that is gone (a rolled-back first use) or, on SQLite, reused: read again
        out_id, in_id = _clearing_pair(Account(bank_id=bank.pk, currency=currency),
                                       Account(bank_id=peer.pk, currency=currency), fresh=True)
        accounts = {a.pk: a for a in Account.objects.filter(pk__in=[out_id, in_id])}
    return accounts[out_id], accounts[in_id]


def cross_bank_hold_post(*, hold: Transfer, credit: Account, amount: int | None = None, actor=None,
                         subject=None, idempotency_key: str | None = None) -> tuple[Transfer, Transfer]:
    """Post a hold made to its bank's clearing account with another bank, to a member of that other bank
    (跨区兑换): in the hold's bank the posting (all or part of the hold, of the hold's kind; the rest is
    released) to the clearing account; in `credit`'s bank its clearing account with the hold's bank →
    `credit` (kind `cross_bank`). The four
    accounts are locked in ascending id order, then the hold row (the order of `hold_post`); both rows
    commit together or neither, so the pair's clearing accounts still cancel out. Posting the same
    hold again returns the first two rows."""
    with transaction.atomic():
        current = Transfer.objects.filter(pk=hold.pk).select_related("credit").first()
        if current is None:
            raise NotFound()
        out_clearing = current.credit
        if credit.bank_id == current.bank_id:
            raise SameBank()
        if credit.currency != current.currency:
            raise CurrencyMismatch()
        if out_clearing.kind != AccountKind.CLEARING or out_clearing.peer_id != credit.bank_id:
            raise AccountUnknown()
        in_clearing = clearing_accounts_between(credit.bank, out_clearing.node, current.currency)[0]
        locked = _lock(Account(pk=current.debit_id), out_clearing, in_clearing, credit)
        keys = (f"{idempotency_key}:out", f"{idempotency_key}:in") if idempotency_key else (None, None)
        hold = Transfer.objects.select_for_update().get(pk=current.pk)
        if hold.status == TransferStatus.SETTLED:
            first = hold.postings.get()
            second = Transfer.objects.filter(bank_id=credit.bank_id, idempotency_key=keys[1]).first() if keys[1] \
                else None
            if second is None or second.credit_id != credit.pk:
                raise IdempotencyConflict()
            return first, second
        if hold.status != TransferStatus.PENDING:
            raise HoldNotPending()
        amount = hold.amount if amount is None else _check_amount(amount)
        if amount > hold.amount:
            raise HoldAmountExceeded(detail={"held": hold.amount, "amount": amount})
        _release(hold, TransferStatus.SETTLED)
        subject_type, subject_id = _subject(subject) if subject is not None else (hold.subject_type, hold.subject_id)
        when = posting_time()
        common = {"amount": amount, "currency": hold.currency, "kind": hold.kind, "status": TransferStatus.POSTED,
                  "actor": actor if getattr(actor, "pk", None) else None, "memo": hold.memo,
                  "subject_type": subject_type, "subject_id": subject_id, "created_at": when}
        out_leg = _insert(bank_id=hold.bank_id, debit=locked[hold.debit_id], credit=locked[out_clearing.pk],
                          hold=hold, idempotency_key=keys[0], **common)
        # In the other bank nobody redeemed anything: coins arrived from another bank (its liability
        # report and statistics count the redemption once, in the hold's bank).
        in_leg = _insert(bank_id=credit.bank_id, debit=locked[in_clearing.pk], credit=locked[credit.pk],
                         idempotency_key=keys[1], **{**common, "kind": TransferKind.CROSS_BANK})
    return out_leg, in_leg


def clearing_settle(*, accounts: list[Account], actor=None, subject=None,
                    idempotency_key: str) -> dict[int, tuple[int, Transfer | None]]:
    """Bring each clearing account back to zero against its own bank's issuance: a bank whose members
    spent coins at a peer retires them (clearing → issuance), a bank whose members received them issues
    them (issuance → clearing). All the accounts and the banks' issuance accounts are locked at once in
    ascending id order, so the balances read are the ones settled. Returns {account id: (balance
    settled, settlement transfer or None)}; the same key again posts nothing (the balances are zero)."""
    from .accounts import system_account

    if any(a.kind != AccountKind.CLEARING for a in accounts):
        raise CurrencyMismatch()
    if not accounts:
        return {}
    with transaction.atomic():
        issuance = {}
        for account in accounts:
            key = (account.bank_id, account.currency)
            if key not in issuance:
                issuance[key] = system_account(account.bank, AccountKind.ISSUANCE, account.currency)
        locked = _lock(*accounts, *issuance.values())
        settled: dict[int, tuple[int, Transfer | None]] = {}
        subject_type, subject_id = _subject(subject)
        when = posting_time()
        for account in sorted(accounts, key=lambda a: a.pk):
            current = locked[account.pk]
            balance = current.balance
            if balance == 0:
                settled[account.pk] = (0, None)
                continue
            mint = locked[issuance[(account.bank_id, account.currency)].pk]
            debit, credit = (current, mint) if balance > 0 else (mint, current)
            settled[account.pk] = (balance, _insert(
                bank_id=account.bank_id, debit=debit, credit=credit, amount=abs(balance), currency=account.currency,
                kind=TransferKind.SETTLEMENT, status=TransferStatus.POSTED,
                actor=actor if getattr(actor, "pk", None) else None, subject_type=subject_type, subject_id=subject_id,
                idempotency_key=f"{idempotency_key}:{account.pk}", created_at=when))
    return settled


def clearing_lock(*, accounts: list[Account]) -> dict[int, Account]:
    """Lock clearing accounts and their banks' issuance accounts together, in ascending id order (what
    `clearing_settle` then locks again, already held): a netting run reads balances nobody can move."""
    from ..models import AccountKind
    from .accounts import system_account

    issuance = {system_account(a.bank, AccountKind.ISSUANCE, a.currency).pk: None for a in accounts}
    if not accounts:
        return {}
    return _lock(*accounts, *[Account(pk=pk) for pk in issuance])
