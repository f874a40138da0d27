"""Coins moving between two banks of the platform (通存通兑). Each bank's ledger stays balanced on its
own: the payer's bank posts member → its clearing account with the payee's bank, the payee's bank
posts its clearing account with the payer's bank → member. Both legs commit together or not at all;
the two clearing accounts of a pair therefore always sum to zero, and a netting run settles them."""
from django.db import transaction

from ..exceptions import CurrencyMismatch, IdempotencyConflict, InsufficientBalance, SameBank
from ..models import Account, Transfer, TransferStatus
from .accounts import clearing_account
from .posting import _check_amount, _insert, _lock, _subject, posting_time


def cross_bank_post(*, debit: Account, credit: Account, amount: int, kind: str, actor=None, memo: str = "",
                    subject=None, idempotency_key: str | None = None) -> tuple[Transfer, Transfer]:
    """Move `amount` from `debit` (an account of one bank) to `credit` (an account of another): two
    linked transfers, one in each bank. The four accounts are locked in ascending id order, as every
    transfer locks its two, so cross-bank and same-bank postings never deadlock. The same key again
    returns the first pair and posts nothing."""
    amount = _check_amount(amount)
    if debit.currency != credit.currency:
        raise CurrencyMismatch()
    if debit.bank_id == credit.bank_id:
        raise SameBank()
    out_key = f"{idempotency_key}:out" if idempotency_key else None
    in_key = f"{idempotency_key}:in" if idempotency_key else None
    subject_type, subject_id = _subject(subject)
    with transaction.atomic():
        # A pair's two clearing accounts are opened lower bank first: two first gifts in opposite
        # directions would otherwise each wait for the other's uncommitted account.
        pair = {b.pk: clearing_account(b, p, debit.currency)
                for b, p in sorted([(debit.bank, credit.bank), (credit.bank, debit.bank)], key=lambda bp: bp[0].pk)}
        out_clearing, in_clearing = pair[debit.bank_id], pair[credit.bank_id]
        locked = _lock(debit, credit, out_clearing, in_clearing)
        if out_key:
            first = Transfer.objects.filter(bank_id=debit.bank_id, idempotency_key=out_key).first()
            if first is not None:
                second = Transfer.objects.filter(bank_id=credit.bank_id, idempotency_key=in_key).first()
                if (first.debit_id, first.amount, first.kind) != (debit.pk, amount, kind) or second is None \
                        or second.credit_id != credit.pk:
                    raise IdempotencyConflict()
                return first, second
        payer = locked[debit.pk]
        if not payer.allow_negative and payer.available < amount:
            raise InsufficientBalance(detail={"available": payer.available, "amount": amount})
        when = posting_time()
        common = dict(amount=amount, currency=debit.currency, kind=kind, status=TransferStatus.POSTED,
                      actor=actor if getattr(actor, "pk", None) else None, memo=(memo or "")[:200],
                      subject_type=subject_type, subject_id=subject_id, created_at=when)
        out_leg = _insert(bank_id=debit.bank_id, debit=payer, credit=locked[out_clearing.pk], idempotency_key=out_key,
                          **common)
        in_leg = _insert(bank_id=credit.bank_id, debit=locked[in_clearing.pk], credit=locked[credit.pk],
                         idempotency_key=in_key, **common)
    return out_leg, in_leg


def clearing_settle(*, accounts: list[Account], actor=None, subject=None,
                    idempotency_key: str) -> dict[int, tuple[int, Transfer | None]]:
    """Bring each clearing account back to zero against its own bank's issuance: a bank whose members
    spent coins at a peer retires them (clearing → issuance), a bank whose members received them issues
    them (issuance → clearing). All the accounts and the banks' issuance accounts are locked at once in
    ascending id order, so the balances read are the ones settled. Returns {account id: (balance
    settled, settlement transfer or None)}; the same key again posts nothing (the balances are zero)."""
    from ..models import AccountKind, TransferKind
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
