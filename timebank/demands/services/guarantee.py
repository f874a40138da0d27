"""Guaranteed fulfilment (保底): an unclaimed coin request handed to a supplier, released or closed."""
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind
from timebank.notices.models import NoticeKind

from .. import selectors
from ..exceptions import DemandFull, HoldMissing, OutsideWindow
from ..models import Demand, DemandStatus, Payer
from ._common import _audit, _handed_to_supplier, _lock_demand, _requesters, _supplier_posting, demand_notify


def demand_hand_to_supplier(*, demand_id: int, subject, actor=None) -> Demand:
    """A supplier takes an elder-paid request nobody claimed: under the demand's row lock, the
    elder's first hold is posted to the branch issuance account (the coins are redeemed, the bank
    pays the supplier from its guarantee fund), the other places' holds are released, and every
    place is marked taken. Raises DemandFull when a volunteer or another supplier got there first."""
    with transaction.atomic():
        demand = _lock_demand(demand_id)
        if demand.payer != Payer.ELDER or demand.status != DemandStatus.PUBLISHED or demand.claimed_count:
            raise DemandFull()
        if demand.starts_at <= timezone.now():
            raise OutsideWindow(_("This request has already started."))
        holds = list(selectors.demand_holds(demand))
        if not holds:
            raise HoldMissing()
        if holds[0].bank_id != demand.bank_id:
            # The coins are held in the elder's own bank; this bank's guarantee fund does not redeem them.
            raise DemandFull(_("A request paid with coins of another bank is not handed to a supplier."),
                             code="paid_in_other_bank")
        issuance = ledger.system_account(demand.branch, AccountKind.ISSUANCE)
        ledger.hold_post(hold=holds[0], credit=issuance, actor=actor, subject=subject,
                         idempotency_key=f"demand:{demand.pk}:supplier", memo=str(demand.service_type))
        for hold in holds[1:]:
            ledger.hold_void(hold=hold, actor=actor)
        demand.status, demand.claimed_count = DemandStatus.CLAIMED, demand.headcount
        demand.save(update_fields=["status", "claimed_count"])
        _audit(actor, "demand.handed_to_supplier", demand, demand, subject=str(getattr(subject, "pk", "")))
        demand_notify(_requesters(demand), NoticeKind.CLAIMED, demand, str(subject))
    return demand


def demand_release_by_supplier(*, demand_id: int, actor=None, missed: bool = False, reason: str = "") -> Demand:
    """The supplier's order on a handed-over request was cancelled before the service, or missed:
    the elder's redeemed coins come back (a correcting transfer through the ledger) and the request
    closes — cancelled, or expired when missed. Running it again changes nothing."""
    with transaction.atomic():
        demand = _lock_demand(demand_id)
        if not _handed_to_supplier(demand):
            return demand
        posting = _supplier_posting(demand)
        ledger.transfer_post(debit=posting.credit, credit=posting.debit, amount=posting.amount,
                             kind=TransferKind.CORRECTION, actor=actor, corrects=posting, subject=demand,
                             idempotency_key=f"demand:{demand.pk}:supplier_refund",
                             memo=(reason or str(demand.service_type))[:200])
        now = timezone.now()
        if missed:
            demand.status, demand.closed_at = DemandStatus.EXPIRED, now
            fields = ["status", "closed_at", "claimed_count"]
        else:
            demand.status, demand.cancelled_at, demand.cancelled_by = DemandStatus.CANCELLED, now, actor
            demand.cancel_reason = (reason or "").strip()[:200]
            fields = ["status", "cancelled_at", "cancelled_by", "cancel_reason", "claimed_count"]
        demand.claimed_count = 0
        demand.save(update_fields=fields)
        _audit(actor, "demand.supplier_missed" if missed else "demand.supplier_cancelled", demand, demand,
               refunded=posting.amount, reason=(reason or "")[:200])
        demand_notify(_requesters(demand), NoticeKind.CANCELLED, demand, (reason or "")[:200])
    return demand


def demand_close_by_supplier(*, demand_id: int, actor=None) -> Demand:
    """The supplier's service on a handed-over request was confirmed: the demand is completed."""
    with transaction.atomic():
        demand = _lock_demand(demand_id)
        if demand.status == DemandStatus.CLAIMED and not demand.assignments.exists():
            demand.status, demand.closed_at = DemandStatus.COMPLETED, timezone.now()
            demand.save(update_fields=["status", "closed_at"])
            _audit(actor, "demand.completed_by_supplier", demand, demand)
    return demand
