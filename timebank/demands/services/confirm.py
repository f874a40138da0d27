"""After the service: confirm, dispute and resolve, and the volunteer's credit (retried if refused)."""
import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.clearing.services import redemption_credit
from timebank.demands.models import DemandRules
from timebank.ledger import services as ledger
from timebank.lib.errors import DomainError, NotFound
from timebank.lib.events import publish
from timebank.notices.models import NoticeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.models import Person

from .. import selectors
from ..events import SERVICE_CREDITED
from ..exceptions import HoldMissing, InvalidTransition, NotYours, RatingInvalid, ReasonRequired, TimesInvalid
from ..models import Assignment, AssignmentStatus, Demand, Payer
from ._common import HOLD_MARGIN_DAYS, _audit, _is_staff, _lock_assignment, _refresh, _require_visible, demand_notify


def _holds_expiry(demand: Demand, actor=None) -> None:
    """While a service of an elder-paid demand is disputed its holds do not expire (a dispute may
    outlast them); once no dispute is open they expire again, at the latest of their usual expiry
    and a margin after the decision."""
    if demand.payer != Payer.ELDER:
        return
    if demand.assignments.filter(status=AssignmentStatus.DISPUTED).exists():
        expires_at = None
    else:
        usual = demand.ends_at + dt.timedelta(days=DemandRules.in_force(demand.bank).auto_confirm_days + HOLD_MARGIN_DAYS)
        expires_at = max(usual, timezone.now() + dt.timedelta(days=HOLD_MARGIN_DAYS))
    for hold in selectors.demand_holds(demand):
        if hold.expires_at is None or expires_at is None:
            ledger.hold_extend(hold=hold, expires_at=expires_at, actor=actor)


def _may_confirm(actor, demand: Demand, assignment: Assignment) -> bool:
    if actor is None:
        return True
    if assignment.volunteer_id == actor.pk:
        return False
    return _is_staff(actor, demand) or selectors.acts_for_demand(actor, demand)


def _credit(demand: Demand, assignment: Assignment, actor) -> None:
    """Post the volunteer's coins and points. If the ledger refuses (a balance cap), the
    confirmation stands and the credit waits (`credit_error`) for the worker's retry."""
    served = assignment.served_minutes or 0
    minutes = demand.service_type.credit_for(served)
    points = demand.service_type.points_for(served)
    result = {"minutes": 0, "points": 0, "transfers": []}
    try:
        with transaction.atomic():
            hold = None
            if demand.payer == Payer.ELDER and minutes:
                hold = assignment.hold or selectors.demand_holds(demand).first()
                if hold is None:
                    raise HoldMissing()
            if minutes and hold is not None and hold.bank_id != demand.bank_id:
                # 跨区兑换: the elder's coins are held in their own bank; both banks' legs and the
                # clearing record are written together.
                result = redemption_credit(hold=hold, volunteer=assignment.volunteer, minutes=minutes, points=points,
                                           branch=demand.branch, subject=assignment, actor=actor,
                                           idempotency_key=f"assignment:{assignment.pk}",
                                           memo=f"{demand.service_type} {timezone.localtime(demand.starts_at):%m-%d %H:%M}")
            elif minutes:
                result = ledger.service_credit(volunteer=assignment.volunteer, minutes=minutes, points=points,
                                               branch=demand.branch, subject=assignment, actor=actor,
                                               idempotency_key=f"assignment:{assignment.pk}", from_hold=hold)
                if result["minutes"] and hold is None:
                    from timebank.teams.services import team_hours_donate

                    team_hours_donate(assignment=assignment, demand=demand, minutes=result["minutes"], actor=actor)
            assignment.hold = hold
    except DomainError as err:
        assignment.status, assignment.credit_error = AssignmentStatus.CONFIRMED, err.code
        assignment.save(update_fields=["status", "credit_error"])
        _audit(actor, "service.credit_refused", assignment, demand, code=err.code)
        return
    assignment.status, assignment.credit_error, assignment.credited_at = AssignmentStatus.CREDITED, "", timezone.now()
    assignment.credited_minutes, assignment.credited_points = result["minutes"], result["points"]
    assignment.credit_transfer_ids = [t.pk for t in result["transfers"]]
    assignment.save(update_fields=["status", "credit_error", "credited_at", "credited_minutes", "credited_points",
                                   "credit_transfer_ids", "hold"])
    _audit(actor, "service.credited", assignment, demand, minutes=result["minutes"], points=result["points"])
    demand_notify([assignment.volunteer], NoticeKind.CREDITED, demand)
    publish(SERVICE_CREDITED, assignment=assignment, demand=demand)


def assignment_confirm(*, actor: Person | None, assignment: Assignment, rating: int | None = None,
                       comment: str = "", auto: bool = False) -> Assignment:
    """确认: the elder, a proxy or staff confirm (and rate 1–5); the volunteer is credited once."""
    if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5):
        raise RatingInvalid()
    with transaction.atomic():
        demand, assignment = _lock_assignment(assignment.pk)
        if actor is not None:
            _require_visible(actor, demand)
        if not _may_confirm(actor, demand, assignment):
            raise NotYours()
        if assignment.status != AssignmentStatus.DONE:
            raise InvalidTransition()
        assignment.rating, assignment.comment = rating, (comment or "").strip()[:500]
        assignment.confirmed_at, assignment.confirmed_by, assignment.auto_confirmed = timezone.now(), actor, auto
        assignment.status = AssignmentStatus.CONFIRMED
        assignment.save(update_fields=["rating", "comment", "confirmed_at", "confirmed_by", "auto_confirmed", "status"])
        _audit(actor, "service.confirmed", assignment, demand, rating=rating, auto=auto)
        _credit(demand, assignment, actor)
        _refresh(demand)
    return assignment


def assignment_credit_retry(*, assignment: Assignment) -> Assignment:
    """Try again a credit the ledger refused earlier (e.g. once the volunteer is under the cap)."""
    with transaction.atomic():
        demand, assignment = _lock_assignment(assignment.pk)
        if assignment.status != AssignmentStatus.CONFIRMED:
            return assignment
        _credit(demand, assignment, None)
        _refresh(demand)
    return assignment


def assignment_dispute(*, actor: Person, assignment: Assignment, reason: str) -> Assignment:
    """投诉: the elder's side disputes the service; no credit until a branch admin decides."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    with transaction.atomic():
        demand, assignment = _lock_assignment(assignment.pk)
        _require_visible(actor, demand)
        if not _may_confirm(actor, demand, assignment):
            raise NotYours()
        if assignment.status not in (AssignmentStatus.DONE, AssignmentStatus.CONFIRMED):
            raise InvalidTransition()
        assignment.status, assignment.dispute_reason = AssignmentStatus.DISPUTED, reason[:500]
        assignment.disputed_at, assignment.disputed_by = timezone.now(), actor
        assignment.save(update_fields=["status", "dispute_reason", "disputed_at", "disputed_by"])
        _refresh(demand)
        _holds_expiry(demand, actor)
        _audit(actor, "service.disputed", assignment, demand, reason=reason[:500])
        demand_notify([assignment.volunteer], NoticeKind.DISPUTED, demand, reason[:200])
    return assignment


def dispute_resolve(*, actor: Person, assignment: Assignment, credit: bool, note: str,
                    served_minutes: int | None = None) -> Assignment:
    """A branch admin decides a dispute: credit (possibly for fewer minutes) or no credit."""
    note = (note or "").strip()
    if not note:
        raise ReasonRequired()
    with transaction.atomic():
        demand, assignment = _lock_assignment(assignment.pk)
        if not has_perm(actor, Perm.DEMANDS_RESOLVE, demand.station):
            raise NotFound()
        if assignment.status != AssignmentStatus.DISPUTED:
            raise InvalidTransition()
        before = assignment.served_minutes
        if credit and served_minutes is not None:
            if not isinstance(served_minutes, int) or not 0 <= served_minutes <= (before or 0):
                raise TimesInvalid(_("The minutes can only be lowered."), code="minutes_invalid")
            assignment.served_minutes = served_minutes
        assignment.resolved_at, assignment.resolved_by, assignment.resolution = timezone.now(), actor, note[:500]
        assignment.status = AssignmentStatus.CONFIRMED if credit else AssignmentStatus.REJECTED
        assignment.save(update_fields=["served_minutes", "resolved_at", "resolved_by", "resolution", "status"])
        _audit(actor, "service.dispute_resolved", assignment, demand, credit=credit, note=note[:500],
               served_minutes=[before, assignment.served_minutes])
        if credit:
            _credit(demand, assignment, actor)
        _refresh(demand)
        _holds_expiry(demand, actor)
    return assignment
