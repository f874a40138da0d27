"""The service itself: check-in, check-out and services recorded on paper."""
import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.demands.models import DemandRules
from timebank.lib.errors import DomainError, InvalidInput, NotFound
from timebank.notices.models import NoticeKind
from timebank.people.models import Person

from .. import selectors
from ..exceptions import (
    DemandFull,
    InvalidTransition,
    LocationRequired,
    NotEligible,
    NotYours,
    OutsideWindow,
    OwnDemand,
    ReasonRequired,
    StationCodeWrong,
    TimesInvalid,
    TooFar,
)
from ..models import Assignment, AssignmentStatus, CheckInMethod, Demand, DemandStatus
from ._common import (
    _audit,
    _check_coordinates,
    _is_staff,
    _lock_assignment,
    _lock_demand,
    _refresh,
    _requesters,
    _require_visible,
    demand_notify,
)

CHECK_IN_EARLY = dt.timedelta(minutes=30)  # check-in opens this long before the start


def assignment_check_in(*, actor: Person, assignment: Assignment, latitude: float | None = None,
                        longitude: float | None = None, station_code: str = "", method: str = "") -> Assignment:
    """签到: near the demand's place (within the bank's radius), or with the station code, or
    confirmed by station staff; from half an hour before the start until the end."""
    now = timezone.now()
    with transaction.atomic():
        demand, assignment = _lock_assignment(assignment.pk)
        _require_visible(actor, demand)
        staff = _is_staff(actor, demand)
        if assignment.volunteer_id != actor.pk and not staff:
            raise NotYours()
        if assignment.status != AssignmentStatus.CLAIMED:
            raise InvalidTransition()
        if not (demand.starts_at - CHECK_IN_EARLY <= now <= demand.ends_at):
            raise OutsideWindow(detail={"opens": (demand.starts_at - CHECK_IN_EARLY).isoformat(),
                                        "closes": demand.ends_at.isoformat()})
        method = method or (CheckInMethod.STATION_CODE if station_code else
                            CheckInMethod.STAFF if staff and assignment.volunteer_id != actor.pk else CheckInMethod.GPS)
        distance = None
        if method == CheckInMethod.GPS:
            if latitude is None or longitude is None:
                raise LocationRequired()
            _check_coordinates(latitude, longitude)
            point = selectors.demand_point(demand)
            if point is None:
                raise LocationRequired(_("This request has no map point: use the station code."))
            distance = selectors.distance_m(latitude, longitude, *point)
            radius = DemandRules.in_force(demand.bank).checkin_radius_m
            if distance > radius:
                raise TooFar(detail={"distance_m": round(distance), "radius_m": radius})
        elif method == CheckInMethod.STATION_CODE:
            expected = (demand.station.code or "").strip().lower()
            if not expected or (station_code or "").strip().lower() != expected:
                raise StationCodeWrong()
        elif method == CheckInMethod.STAFF:
            if not staff:
                raise NotYours()
        else:
            raise LocationRequired(_("Unknown check-in method."), code="method_invalid")
        assignment.status, assignment.check_in_at, assignment.check_in_method = (
            AssignmentStatus.CHECKED_IN, now, method)
        assignment.check_in_latitude, assignment.check_in_longitude = latitude, longitude
        assignment.check_in_distance_m = round(distance) if distance is not None else None
        assignment.save(update_fields=["status", "check_in_at", "check_in_method", "check_in_latitude",
                                       "check_in_longitude", "check_in_distance_m"])
        _refresh(demand)
        _audit(actor, "service.checked_in", assignment, demand, method=method,
               distance_m=assignment.check_in_distance_m)
    return assignment


def _served_minutes(demand: Demand, started: dt.datetime, ended: dt.datetime) -> int:
    tolerance = DemandRules.in_force(demand.bank).service_tolerance_minutes
    served = int((ended - started).total_seconds() // 60)
    return max(0, min(served, demand.planned_minutes + tolerance))


def assignment_check_out(*, actor: Person, assignment: Assignment, latitude: float | None = None,
                         longitude: float | None = None) -> Assignment:
    """签退: served time = check-out − check-in, capped at the planned window plus the tolerance."""
    now = timezone.now()
    with transaction.atomic():
        demand, assignment = _lock_assignment(assignment.pk)
        _require_visible(actor, demand)
        if assignment.volunteer_id != actor.pk and not _is_staff(actor, demand):
            raise NotYours()
        if assignment.status != AssignmentStatus.CHECKED_IN:
            raise InvalidTransition()
        _check_coordinates(latitude, longitude)
        assignment.status, assignment.check_out_at = AssignmentStatus.DONE, now
        assignment.check_out_latitude, assignment.check_out_longitude = latitude, longitude
        assignment.served_minutes = _served_minutes(demand, assignment.check_in_at, now)
        assignment.save(update_fields=["status", "check_out_at", "check_out_latitude", "check_out_longitude",
                                       "served_minutes"])
        _refresh(demand)
        _audit(actor, "service.checked_out", assignment, demand, served_minutes=assignment.served_minutes)
        demand_notify(_requesters(demand), NoticeKind.PLEASE_CONFIRM, demand, assignment.volunteer.name)
    return assignment


def service_record_paper(*, actor: Person, demand: Demand, volunteer: Person, started_at: dt.datetime,
                         ended_at: dt.datetime, reason: str) -> Assignment:
    """Station staff record a service signed on paper (no phone, no signal): audited with a reason;
    it waits for confirmation like any other."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    with transaction.atomic():
        demand = _lock_demand(demand.pk)
        _require_visible(actor, demand)
        if not _is_staff(actor, demand):
            raise NotYours()
        if demand.status not in (DemandStatus.PUBLISHED, DemandStatus.CLAIMED, DemandStatus.IN_SERVICE,
                                 DemandStatus.DONE, DemandStatus.EXPIRED):
            raise InvalidTransition()
        if (started_at is None or ended_at is None or timezone.is_naive(started_at) or ended_at <= started_at
                or ended_at > timezone.now() or started_at < demand.starts_at - dt.timedelta(hours=12)
                or ended_at > demand.ends_at + dt.timedelta(hours=12)):
            raise TimesInvalid(_("The service times must be in the past and around the planned time."))
        if not selectors.is_active_volunteer(volunteer) or volunteer.bank_id != demand.bank_id:
            raise NotEligible()
        # Nobody records a service on paper for themselves, nor for whoever published the request (who may
        # have spent an elder's coins on it): left unconfirmed it would credit them with no second person.
        if volunteer.pk in {p.pk for p in selectors.elders_of(demand)} or volunteer.pk in (actor.pk,
                                                                                         demand.created_by_id):
            raise OwnDemand()
        assignment = (Assignment.objects.select_for_update(of=("self",)).filter(demand=demand, volunteer=volunteer)
                      .exclude(status=AssignmentStatus.CANCELLED).first())
        if assignment is None:
            if demand.claimed_count >= demand.headcount:
                raise DemandFull()
            assignment = Assignment.objects.create(demand=demand, volunteer=volunteer, starts_at=demand.starts_at,
                                                   ends_at=demand.ends_at, claimed_by=actor, dispatched=True,
                                                   status=AssignmentStatus.DONE)
            Demand.objects.filter(pk=demand.pk).update(claimed_count=F("claimed_count") + 1)
            demand.claimed_count += 1
        elif assignment.status not in (AssignmentStatus.CLAIMED, AssignmentStatus.CHECKED_IN,
                                       AssignmentStatus.NO_SHOW):
            raise InvalidTransition()
        if demand.status == DemandStatus.EXPIRED:
            demand.status = DemandStatus.DONE
            demand.save(update_fields=["status"])
        assignment.status, assignment.check_in_method = AssignmentStatus.DONE, CheckInMethod.PAPER
        assignment.check_in_at, assignment.check_out_at = started_at, ended_at
        assignment.served_minutes = _served_minutes(demand, started_at, ended_at)
        assignment.paper_reason = reason[:200]
        assignment.save()
        _refresh(demand)
        _audit(actor, "service.paper_recorded", assignment, demand, volunteer=volunteer.pk,
               started_at=started_at.isoformat(), ended_at=ended_at.isoformat(), reason=reason[:200])
    return assignment


MAX_PAPER_ROWS = 200
MAX_PAPER_MINUTES = 24 * 60


def services_record_paper_many(*, actor: Person, rows: list[tuple[int, int, int]], reason: str) -> list[dict]:
    """The day's sign sheet confirmed at once: each row (demand id, volunteer id, served minutes from the
    planned start) goes through `service_record_paper` in its own savepoint, so a row that is refused (times
    not yet past, the place taken, already recorded ...) is reported with its code and the others still go
    through. A demand out of the actor's reach stops the whole request first (404): nothing is written."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    rows = list(dict(((int(d), int(v)), m) for d, v, m in rows).items())  # one row per demand and volunteer
    if not rows:
        raise InvalidInput(_("Tick the services signed on paper first."), code="nothing_ticked")
    if len(rows) > MAX_PAPER_ROWS:
        raise InvalidInput(_("At most %(n)d rows at once.") % {"n": MAX_PAPER_ROWS}, code="too_many")
    demands: dict[int, Demand] = {}
    for (demand_id, _volunteer_id), _minutes in rows:
        if demand_id not in demands:
            demand = selectors.demand_get(actor, demand_id)
            if not selectors.is_demand_staff(actor, demand):
                raise NotFound()
            demands[demand_id] = demand
    results = []
    with transaction.atomic():
        for (demand_id, volunteer_id), minutes in sorted(rows):  # demands locked in ascending id order
            demand = demands[demand_id]
            row = {"demand_id": demand_id, "volunteer_id": volunteer_id}
            try:
                with transaction.atomic():
                    volunteer = selectors.branch_volunteers(demand).filter(pk=volunteer_id).first()
                    if volunteer is None:
                        raise InvalidInput(_("Choose an approved volunteer of this branch."), code="volunteer_unknown")
                    if isinstance(minutes, bool) or not isinstance(minutes, int) or \
                            not 1 <= minutes <= MAX_PAPER_MINUTES:
                        raise TimesInvalid(_("Served minutes are a whole number from 1 to 1440."))
                    assignment = service_record_paper(
                        actor=actor, demand=demand, volunteer=volunteer, started_at=demand.starts_at,
                        ended_at=demand.starts_at + dt.timedelta(minutes=minutes), reason=reason)
            except DomainError as err:
                results.append({**row, "ok": False, "code": err.code, "message": str(err.message)})
            else:
                results.append({**row, "ok": True, "assignment_id": assignment.pk,
                                "served_minutes": assignment.served_minutes})
    return results
