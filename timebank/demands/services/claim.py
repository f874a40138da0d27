"""Taking places: claim, claim for a team member, dispatch, unclaim; a volunteer's areas."""
import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.demands.models import DemandRules
from timebank.ledger import services as ledger
from timebank.ledger.models import LedgerRules
from timebank.lib.errors import NotFound
from timebank.notices.models import NoticeKind
from timebank.orgs.models import Node, NodeKind
from timebank.people.models import Person

from .. import selectors
from ..exceptions import (
    AlreadyClaimed,
    DailyCapReached,
    DemandFull,
    InvalidTransition,
    NotEligible,
    NotYours,
    OutsideWindow,
    OverlappingClaim,
    OwnDemand,
    UnclaimTooLate,
)
from ..models import PLACE_HOLDING, Assignment, AssignmentStatus, Demand, DemandStatus, Payer, VolunteerArea
from ._common import (
    _audit,
    _is_staff,
    _lock_demand,
    _lock_person,
    _refresh,
    _requesters,
    _require_visible,
    demand_notify,
)


def claim_refused_at_once(*, actor: Person, demand_id: int, volunteer: Person) -> None:
    """A claim storm's losers: when the demand the actor can see is full and the volunteer holds no
    place in it, refuse with one read and no lock (a claim that gets past this is checked again, in
    full, under the demand's row lock)."""
    if actor.pk == volunteer.pk and volunteer.node_id and selectors.is_active_volunteer(volunteer):
        # The usual loser, a volunteer claiming for themselves: the demand is visible to them because it
        # is claimed in a branch they serve (their home station's branch or one they opted into), so one
        # statement decides, with no look-up of their roles, relatives or areas first.
        areas = VolunteerArea.objects.filter(person=volunteer, branch__bank_id=volunteer.bank_id,
                                             branch__is_closed=False).values("branch_id")
        stations = Node.objects.filter(pk=volunteer.node_id, kind=NodeKind.STATION).values("parent_id")
        branches = Node.objects.filter(pk=volunteer.node_id, kind=NodeKind.BRANCH).values("pk")
        served = Q(branch_id__in=stations) | Q(branch_id__in=branches) | Q(branch_id__in=areas)
        if (Demand.objects.filter(served, pk=demand_id, status=DemandStatus.CLAIMED, claimed_count__gte=F("headcount"))
                .exclude(assignments__volunteer=volunteer).exists()):
            raise DemandFull()
        return  # not full, or visible to them some other way: the claim's own checks decide
    full = (selectors.demands_visible_to(actor)
            .filter(pk=demand_id, status=DemandStatus.CLAIMED, claimed_count__gte=F("headcount"))
            .exclude(assignments__volunteer=volunteer))
    if full.exists():
        raise DemandFull()


def _claim(*, actor: Person, demand_id: int, volunteer: Person, dispatched: bool) -> Assignment:
    now = timezone.now()
    claim_refused_at_once(actor=actor, demand_id=demand_id, volunteer=volunteer)
    with transaction.atomic():
        demand = _lock_demand(demand_id)
        if dispatched:
            _require_visible(actor, demand)
            if not _is_staff(actor, demand):
                raise NotYours()
            if demand.branch_id not in selectors.volunteer_branch_ids(volunteer):
                raise NotEligible()
        elif demand.branch_id not in selectors.volunteer_branch_ids(volunteer) and not (
                demand.assignments.filter(volunteer=volunteer).exists()):
            raise NotFound()
        if not selectors.is_active_volunteer(volunteer) or not selectors.holds_certificate_for(
                volunteer, demand.service_type):
            raise NotEligible()
        if not selectors.orientation_done(volunteer):
            from timebank.training.exceptions import OrientationRequired

            raise OrientationRequired()
        if demand.status not in (DemandStatus.PUBLISHED, DemandStatus.CLAIMED):
            raise InvalidTransition()
        if demand.starts_at <= now:
            raise OutsideWindow(_("This request has already started."))
        if volunteer.pk in {p.pk for p in selectors.elders_of(demand)} or demand.created_by_id == volunteer.pk:
            raise OwnDemand()
        if demand.assignments.filter(volunteer=volunteer, status__in=PLACE_HOLDING).exists():
            raise AlreadyClaimed()
        if demand.claimed_count >= demand.headcount:
            raise DemandFull()
        _lock_person(volunteer)
        if selectors.overlapping_claims(volunteer, demand.starts_at, demand.ends_at).exists():
            raise OverlappingClaim()
        rules = LedgerRules.in_force(demand.bank)
        if rules.daily_earn_cap_minutes and demand.payer == Payer.BRANCH:
            day = timezone.localtime(demand.starts_at).date()
            planned = selectors.minutes_claimed_on(volunteer, day) + demand.service_type.credit_for(demand.planned_minutes)
            if day == timezone.localdate():
                planned += ledger.earned_today(volunteer)
            if planned > rules.daily_earn_cap_minutes:
                raise DailyCapReached(detail={"cap": rules.daily_earn_cap_minutes})
        try:
            with transaction.atomic():
                assignment = Assignment.objects.create(
                    demand=demand, volunteer=volunteer, starts_at=demand.starts_at, ends_at=demand.ends_at,
                    claimed_at=now, claimed_by=actor, dispatched=dispatched)
                Demand.objects.filter(pk=demand.pk).update(claimed_count=F("claimed_count") + 1)
        except IntegrityError as err:
            if "overlapping" in str(err):
                raise OverlappingClaim() from None
            raise AlreadyClaimed() from None
        demand.claimed_count += 1
        _refresh(demand)
        _audit(actor, "demand.dispatched" if dispatched else "demand.claimed", assignment, demand,
               volunteer=volunteer.pk)
        demand_notify(_requesters(demand), NoticeKind.CLAIMED, demand, volunteer.name)
        if dispatched:
            demand_notify([volunteer], NoticeKind.DISPATCHED, demand)
    return assignment


def demand_claim(*, actor: Person, demand: Demand) -> Assignment:
    """接单: the volunteer takes one place."""
    return _claim(actor=actor, demand_id=demand.pk, volunteer=actor, dispatched=False)


def demand_claim_for_member(*, actor: Person, demand: Demand, volunteer: Person) -> Assignment:
    """A team leader takes a place for a named team member (the teams app has authorised the
    leader); every guard of a volunteer's own claim applies to the member."""
    return _claim(actor=actor, demand_id=demand.pk, volunteer=volunteer, dispatched=False)


def demand_dispatch(*, actor: Person, demand: Demand, volunteer: Person) -> Assignment:
    """派单: station staff give a place to a fitting volunteer, with the same guards as a claim."""
    return _claim(actor=actor, demand_id=demand.pk, volunteer=volunteer, dispatched=True)


def demand_unclaim(*, actor: Person, demand: Demand, volunteer: Person | None = None) -> Assignment:
    """Give a place back: the volunteer before the bank's cutoff, staff at any time before check-in."""
    volunteer = volunteer or actor
    with transaction.atomic():
        demand = _lock_demand(demand.pk)
        _require_visible(actor, demand)
        staff = _is_staff(actor, demand)
        if volunteer.pk != actor.pk and not staff:
            raise NotYours()
        assignment = (Assignment.objects.select_for_update(of=("self",))
                      .filter(demand=demand, volunteer=volunteer).exclude(status=AssignmentStatus.CANCELLED).first())
        if assignment is None:
            raise NotYours(_("You have not taken this request."), code="not_claimed")
        if assignment.status != AssignmentStatus.CLAIMED:
            raise InvalidTransition()
        cutoff = demand.starts_at - dt.timedelta(hours=DemandRules.in_force(demand.bank).unclaim_cutoff_hours)
        if not staff and timezone.now() > cutoff:
            raise UnclaimTooLate(detail={"cutoff": cutoff.isoformat()})
        assignment.status, assignment.cancelled_at = AssignmentStatus.CANCELLED, timezone.now()
        assignment.save(update_fields=["status", "cancelled_at"])
        Demand.objects.filter(pk=demand.pk).update(claimed_count=F("claimed_count") - 1)
        demand.claimed_count -= 1
        _refresh(demand)
        _audit(actor, "demand.unclaimed", assignment, demand, volunteer=volunteer.pk)
        demand_notify(_requesters(demand), NoticeKind.UNCLAIMED, demand, volunteer.name)
    return assignment


def volunteer_areas_set(*, actor: Person, branches: Iterable[Node]) -> list[int]:
    """A volunteer chooses further branches of their bank whose demands they want to see and take."""
    branches = list(branches)
    if any(b.kind != NodeKind.BRANCH or b.bank_id != actor.bank_id or b.is_closed for b in branches):
        raise NotFound()
    with transaction.atomic():
        _lock_person(actor)
        VolunteerArea.objects.filter(person=actor).exclude(branch__in=branches).delete()
        have = set(VolunteerArea.objects.filter(person=actor).values_list("branch_id", flat=True))
        VolunteerArea.objects.bulk_create([VolunteerArea(person=actor, branch=b) for b in branches if b.pk not in have])
        audit_record(actor=actor, action="volunteer.areas_set", obj=actor, node=actor.node, bank=actor.bank,
                     changes={"branches": sorted(b.pk for b in branches)})
    actor.__dict__.pop("_area_ids", None)
    return sorted(b.pk for b in branches)
