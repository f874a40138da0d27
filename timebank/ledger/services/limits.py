"""The bank's money limits: a volunteer's service credit under the daily and balance caps, and redemption."""
import datetime as dt

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.ledger.models import LedgerRules
from timebank.orgs.models import Node
from timebank.people.models import Person

from ..exceptions import BalanceCapExceeded, RedemptionAcrossBanksNotAllowed, RedemptionNotYetAllowed
from ..models import Account, AccountKind, Currency, Transfer, TransferKind, TransferStatus
from .accounts import member_account, system_account
from .crossbank import clearing_accounts_between, cross_bank_hold_post
from .holds import hold_post
from .posting import _check_amount, _lock, transfer_post


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
                   idempotency_key: str | None = None, from_hold: Transfer | None = None,
                   legs_subject=None) -> dict:
    """Credit a served volunteer: time from the branch's issuance (or from the elder's hold for a
    redemption) and points from issuance. The daily cap and the balance cap apply; the result says
    what was credited. The caps are read after the volunteer's account is locked, so concurrent
    credits cannot all pass a cap that only one of them fits under.

    A hold made in another bank (to its clearing account with the volunteer's bank: an elder of that
    bank booked a service here) is posted across the banks (`cross_bank_hold_post`), its two legs
    named by `legs_subject` and returned as `result["legs"]`; the caps are this bank's, as for any
    redemption."""
    minutes, points = _check_amount(minutes), (_check_amount(points) if points else 0)
    with_pool = False
    while True:
        try:
            with transaction.atomic():
                return _service_credit_locked(volunteer=volunteer, minutes=minutes, points=points, branch=branch,
                                              subject=subject, actor=actor, key=idempotency_key,
                                              from_hold=from_hold, with_pool=with_pool, legs_subject=legs_subject)
        except _PoolNeeded:
            # Rare (only when the cap overflows): the first attempt is rolled back, its locks with it,
            # and the second takes the pool's lock in ascending id order with the others.
            with_pool = True


def _service_credit_locked(*, volunteer, minutes, points, branch, subject, actor, key, from_hold, with_pool,
                           legs_subject=None) -> dict:
    rules = LedgerRules.in_force(volunteer.bank)
    account = member_account(volunteer, Currency.TIME)
    issuance = system_account(branch, AccountKind.ISSUANCE)
    to_lock = [account, issuance]
    across = from_hold is not None and from_hold.bank_id != account.bank_id
    if from_hold is not None:
        to_lock += [Account(pk=from_hold.debit_id), Account(pk=from_hold.credit_id)]
    if across:
        to_lock.append(clearing_accounts_between(account.bank, from_hold.bank, account.currency)[0])
    if with_pool:
        to_lock.append(system_account(branch, AccountKind.POOL))
    account = _lock(*to_lock)[account.pk]
    earned = minutes if from_hold is None else min(minutes, from_hold.amount)  # a hold pays at most what it holds
    credited = earned
    if rules.daily_earn_cap_minutes and not from_hold:
        credited = max(0, min(minutes, rules.daily_earn_cap_minutes - earned_today(volunteer)))
    overflow = 0
    if rules.balance_cap_minutes and account.balance + credited > rules.balance_cap_minutes:
        if rules.overflow_policy == "reject":
            raise BalanceCapExceeded(detail={"cap": rules.balance_cap_minutes, "balance": account.balance})
        overflow = min(credited, account.balance + credited - rules.balance_cap_minutes)
        credited -= overflow
        if not with_pool:
            raise _PoolNeeded()
    result = {"minutes": credited, "points": 0, "overflow": overflow, "capped": earned - credited - overflow,
              "transfers": []}
    if across:
        legs = cross_bank_hold_post(hold=from_hold, amount=earned, credit=account,
                                    actor=actor, subject=legs_subject, idempotency_key=key and f"{key}:time")
        result["minutes"] = legs[1].amount - overflow
        result["transfers"] += list(legs)
        result["legs"] = legs
    elif from_hold is not None:
        t = hold_post(hold=from_hold, amount=earned, credit=account, actor=actor,
                      subject=subject, idempotency_key=key and f"{key}:time")
        result["minutes"] = t.amount - overflow
        result["transfers"].append(t)
    elif credited:
        result["transfers"].append(transfer_post(
            debit=issuance, credit=account, amount=credited, kind=TransferKind.SERVICE_CREDIT, actor=actor,
            subject=subject, idempotency_key=key and f"{key}:time"))
    if overflow:
        # Paid from a hold, the excess is the elder's coins the volunteer received: they donate it on (no
        # coin is issued for it); otherwise it is issued straight to the pool.
        result["transfers"].append(transfer_post(
            debit=account if from_hold is not None else issuance, credit=system_account(branch, AccountKind.POOL),
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


def redemption_allowed(person: Person, at_bank: Node | None = None) -> None:
    """Raise unless the person meets the bank's minimum service (or membership time) before a
    first redemption; once they have redeemed, the rule no longer applies. A service in another bank
    (`at_bank`) must be in the same platform, and both banks' rules must allow redeeming across banks."""
    rules = LedgerRules.in_force(person.bank)
    if at_bank is not None and at_bank.pk != person.bank_id:
        if at_bank.parent_id != person.bank.parent_id or not rules.redeem_across_banks \
                or not LedgerRules.in_force(at_bank).redeem_across_banks:
            raise RedemptionAcrossBanksNotAllowed()
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
