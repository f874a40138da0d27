"""Every write to demands and service records. Each transition is one function with a guard;
it authorises, validates, locks (the demand row first, then the assignment, then the volunteer's
person row — always in that order), writes, audits, and sends notices after commit.

Coins move only through the ledger's services:
- branch-paid: on confirm, `service_credit` posts minutes × rate from the branch issuance account;
- elder-paid (兑换): on publish the elder's coins are held, one hold per place (planned minutes ×
  rate each), because a ledger hold is posted once (a partial post releases the rest). At confirm
  the next pending hold of the demand is posted to the volunteer for the actual amount — never
  more than was held — and the rest released. Holds left over (unclaimed places, no-shows,
  rejected disputes) are voided when the demand closes, is cancelled or expires.
The idempotency key `assignment:<id>` makes a service credit exactly once whatever is retried."""
import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind
from timebank.lib.errors import DomainError, NotFound
from timebank.lib.events import publish
from timebank.notices.models import NoticeKind
from timebank.notices.services import notice_send
from timebank.orgs.events import STATION_DAY_CHANGED
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, rules_for
from timebank.people.access import SELF_OR_PROXY, access_elders
from timebank.people.models import Person, ProxyLink

from . import selectors
from .catalogue import SEED_TYPES
from .exceptions import (
    AlreadyClaimed,
    DailyCapReached,
    DemandFull,
    ElderRequired,
    HeadcountInvalid,
    HoldMissing,
    InvalidTransition,
    LocationRequired,
    NotEligible,
    NotYours,
    OutsideWindow,
    OverlappingClaim,
    OwnDemand,
    RatingInvalid,
    ReasonRequired,
    ServiceTypeCodeTaken,
    ServiceTypeInvalid,
    ServiceTypeUnavailable,
    StationCodeWrong,
    TakenBySupplier,
    TimesInvalid,
    TooFar,
    UnclaimTooLate,
)
from .models import (
    LIVE_STATUSES,
    PLACE_HOLDING,
    Assignment,
    AssignmentStatus,
    CheckInMethod,
    Demand,
    DemandSeries,
    DemandStatus,
    Payer,
    ServiceMode,
    ServiceType,
    VolunteerArea,
)

MAX_HEADCOUNT = {ServiceMode.ONE_TO_ONE: 10, ServiceMode.GROUP: 200}
MAX_DURATION = dt.timedelta(hours=12)
MAX_AHEAD = dt.timedelta(days=366)
SERIES_HORIZON_DAYS = 28  # recurring instances are generated this far ahead
CHECK_IN_EARLY = dt.timedelta(minutes=30)  # check-in opens this long before the start
HOLD_MARGIN_DAYS = 30  # an elder's hold outlives the service by the auto-confirm days plus this


# ---- the catalogue -------------------------------------------------------------------------------

def service_types_seed(bank: Node, **_event) -> int:
    """Give a bank the standard catalogue; types it already has (by code) are left alone."""
    if bank.kind != NodeKind.BANK:
        return 0
    rules = rules_for(bank)
    have = set(ServiceType.objects.filter(bank=bank).values_list("code", flat=True))
    new = [ServiceType(bank=bank, code=code, name=name, name_en=name_en, category=category, mode=mode,
                       default_minutes=minutes, rate_percent=rate, points_per_hour=rules.points_per_hour,
                       required_certificate=cert)
           for code, name, name_en, category, mode, minutes, rate, cert in SEED_TYPES if code not in have]
    ServiceType.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def service_type_save(*, actor, bank: Node, code: str, new: bool | None = None, **fields) -> ServiceType:
    """Add or change a type of the bank's catalogue (bank admin). `new=True` only adds (a taken
    code is refused), `new=False` only changes (an unknown code is not found)."""
    if bank is None or not has_perm(actor, Perm.SERVICE_TYPES_MANAGE, bank):
        raise NotFound()
    allowed = {"name", "name_en", "category", "mode", "default_minutes", "rate_percent", "points_per_hour",
               "required_certificate", "is_active"}
    with transaction.atomic():
        service_type = ServiceType.objects.select_for_update().filter(bank=bank, code=code).first()
        if new is True and service_type is not None:
            raise ServiceTypeCodeTaken()
        if new is False and service_type is None:
            raise NotFound()
        before = {k: getattr(service_type, k) for k in allowed} if service_type else {}
        service_type = service_type or ServiceType(bank=bank, code=code)
        for key, value in fields.items():
            if key in allowed:
                setattr(service_type, key, value)
        try:
            service_type.full_clean(exclude=["bank"])
        except ValidationError as err:
            errors = {k: [str(m) for m in v] for k, v in getattr(err, "message_dict", {}).items()}
            raise ServiceTypeInvalid(detail={"errors": errors}) from None
        service_type.save()
        audit_record(actor=actor, action="service_type.saved", obj=service_type, node=bank, bank=bank,
                     changes={k: [before.get(k), getattr(service_type, k)] for k in allowed
                              if before.get(k) != getattr(service_type, k)})
    return service_type


# ---- locking helpers -----------------------------------------------------------------------------

def _lock_demand(demand_id: int) -> Demand:
    demand = (Demand.objects.select_for_update(of=("self",))
              .select_related("service_type", "station", "branch", "bank", "elder").filter(pk=demand_id).first())
    if demand is None:
        raise NotFound()
    return demand


def _lock_assignment(assignment_id: int) -> tuple[Demand, Assignment]:
    """Lock the assignment's demand, then the assignment (the fixed order of every writer)."""
    demand_id = Assignment.objects.filter(pk=assignment_id).values_list("demand_id", flat=True).first()
    if demand_id is None:
        raise NotFound()
    demand = _lock_demand(demand_id)
    assignment = (Assignment.objects.select_for_update(of=("self",)).select_related("volunteer")
                  .get(pk=assignment_id))
    assignment.demand = demand
    return demand, assignment


def _lock_person(person: Person) -> None:
    list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True))


def _is_staff(actor, demand: Demand) -> bool:
    return selectors.is_demand_staff(actor, demand)


def _require_visible(actor, demand: Demand) -> None:
    """Whoever cannot see the demand learns nothing about it (404)."""
    if actor is None:
        return
    if not selectors.demands_visible_to(actor).filter(pk=demand.pk).exists():
        raise NotFound()


def _audit(actor, action: str, obj, demand: Demand, **changes) -> None:
    # Every change of a demand or assignment passes here: its station's day is recounted on commit.
    publish(STATION_DAY_CHANGED, node_id=demand.station_id, when=demand.starts_at,
            volunteer_id=getattr(obj, "volunteer_id", None))
    audit_record(actor=actor, action=action, obj=obj, node=demand.station, bank=demand.bank, changes=changes)


# ---- notices -------------------------------------------------------------------------------------

def demand_notify(people: Iterable, kind: str, demand: Demand | None, text: str = "") -> int:
    """Tell people about a demand: inbox notices in this transaction, linked to the demand's page."""
    if demand is None:
        return notice_send(people=people, kind=kind, text=text)
    label = f"{demand.service_type.display_name(get_language() or 'zh-hans')} " \
            f"{timezone.localtime(demand.starts_at):%Y-%m-%d %H:%M}"
    return notice_send(people=people, kind=kind, text=text, subject=("demand", demand.pk),
                       link=reverse("demands:detail", args=[demand.pk]), label=label,
                       sms_text=f"{NoticeKind(kind).label} #{demand.pk} {text}".strip())



def _requesters(demand: Demand) -> list[Person]:
    """Who hears about a demand on the elder's side: its publisher, the elder(s) and their proxies."""
    elders = selectors.elders_of(demand)
    proxies = [link.proxy for link in ProxyLink.objects.active().filter(elder__in=elders)
               .select_related("proxy")]
    return [p for p in [demand.created_by, *elders, *proxies] if p is not None]


# ---- demands -------------------------------------------------------------------------------------

def _check_times(starts_at: dt.datetime, ends_at: dt.datetime, *, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    if starts_at is None or ends_at is None or timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise TimesInvalid()
    if ends_at <= starts_at or ends_at - starts_at > MAX_DURATION:
        raise TimesInvalid()
    if starts_at <= now:
        raise TimesInvalid(_("The start must be in the future."), code="start_in_past")
    if starts_at > now + MAX_AHEAD:
        raise TimesInvalid(_("A request can be published at most a year ahead."), code="too_far_ahead")


def _check_coordinates(latitude, longitude) -> None:
    if (latitude is None) != (longitude is None):
        raise LocationRequired(_("Give both latitude and longitude, or neither."), code="coordinates_invalid")
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise LocationRequired(_("These coordinates are not on the map."), code="coordinates_invalid")


def demand_create(*, actor: Person, station: Node, service_type: ServiceType, starts_at: dt.datetime,
                  ends_at: dt.datetime, elder: Person | None = None, elders: Iterable[Person] = (),
                  for_community: bool = False, address: str = "", latitude: float | None = None,
                  longitude: float | None = None, headcount: int = 1, notes: str = "", payer: str = Payer.BRANCH,
                  series: DemandSeries | None = None, check_actor: bool = True, publish: bool = False) -> Demand:
    """A draft demand — or, with `publish`, published (or sent to review) in the same transaction.
    Staff of the station publish for the elders in their own reach; an elder or a proxy for the elder
    they act for. Every elder served is reached through `access_elders` (the
    same rule as the API and the pages), so another branch's elder is not found, whoever calls;
    someone who is not staff of the station reaches only themselves and the elders they are a
    proxy for, never through a staff role held elsewhere."""
    elders = [e for e in elders if e is not None]
    if station is None or station.kind != NodeKind.STATION or station.is_closed:
        raise NotFound()
    if check_actor:
        served = ([elder] if elder else []) + elders
        staff = has_perm(actor, Perm.DEMANDS_MANAGE, station)
        access_elders(actor, served, for_=Perm.DEMANDS_MANAGE if staff else SELF_OR_PROXY)
        if not staff and (not served or for_community):
            raise NotFound()
    if service_type.bank_id != station.bank_id or not service_type.is_active:
        raise ServiceTypeUnavailable()
    if elder is None and not elders and not for_community:
        raise ElderRequired()
    for person in ([elder] if elder else []) + elders:
        if person.bank_id != station.bank_id or not person.is_elder:
            raise ElderRequired(_("Only registered elders of this bank can be served."), code="not_an_elder")
    if payer not in Payer.values:
        raise ElderRequired(_("Choose who pays."), code="payer_invalid")
    if payer == Payer.ELDER and (elder is None or elders or for_community):
        raise ElderRequired(_("An elder pays with their own coins only for a service to themselves."),
                            code="elder_pays_for_one")
    if not isinstance(headcount, int) or isinstance(headcount, bool) or not (
            1 <= headcount <= MAX_HEADCOUNT[service_type.mode]):
        raise HeadcountInvalid(detail={"max": MAX_HEADCOUNT[service_type.mode]})
    _check_times(starts_at, ends_at)
    _check_coordinates(latitude, longitude)
    with transaction.atomic():
        demand = Demand.objects.create(
            bank_id=station.bank_id, branch_id=station.parent_id, station=station, elder=elder,
            for_community=for_community, service_type=service_type, address=(address or "").strip()[:200],
            latitude=latitude, longitude=longitude, starts_at=starts_at, ends_at=ends_at, headcount=headcount,
            notes=(notes or "").strip(), payer=payer, series=series, created_by=actor,
        )
        if elders:
            demand.elders.set(elders)
        _audit(actor, "demand.created", demand, demand, type=service_type.code, starts_at=starts_at.isoformat(),
               headcount=headcount, payer=payer)
        if publish:
            demand = demand_publish(actor=actor, demand=demand)
    return demand


def demand_update(*, actor: Person, demand: Demand, **fields) -> Demand:
    """Change a demand nobody has claimed yet (time, place, headcount, notes)."""
    allowed = {"starts_at", "ends_at", "address", "latitude", "longitude", "headcount", "notes"}
    if set(fields) - allowed:
        raise InvalidTransition(detail={"fields": sorted(set(fields) - allowed)})
    with transaction.atomic():
        demand = _lock_demand(demand.pk)
        _require_visible(actor, demand)
        if not (_is_staff(actor, demand) or selectors.acts_for_demand(actor, demand)):
            raise NotYours()
        if demand.status not in (DemandStatus.DRAFT, DemandStatus.REVIEW, DemandStatus.PUBLISHED) or demand.claimed_count:
            raise InvalidTransition()
        if demand.payer == Payer.ELDER and demand.status == DemandStatus.PUBLISHED and (
                {"starts_at", "ends_at", "headcount"} & set(fields)):
            raise InvalidTransition(_("Cancel and publish again to change the time of a request paid with coins."))
        before = {k: getattr(demand, k) for k in fields}
        publish(STATION_DAY_CHANGED, node_id=demand.station_id, when=demand.starts_at)  # the day it moves away from
        for key, value in fields.items():
            setattr(demand, key, value)
        _check_times(demand.starts_at, demand.ends_at)
        _check_coordinates(demand.latitude, demand.longitude)
        if not 1 <= demand.headcount <= MAX_HEADCOUNT[demand.service_type.mode]:
            raise HeadcountInvalid()
        demand.save(update_fields=list(fields))
        _audit(actor, "demand.updated", demand, demand,
               **{k: [str(before[k]), str(getattr(demand, k))] for k in fields if before[k] != getattr(demand, k)})
    return demand


def _hold_places(demand: Demand, actor) -> None:
    """Reserve the elder's coins for every place (elder-paid); nothing is held twice on a retry."""
    elder = demand.elder
    ledger.redemption_allowed(elder)
    rules = rules_for(demand.bank)
    amount = demand.service_type.credit_for(demand.planned_minutes)
    expires_at = demand.ends_at + dt.timedelta(days=rules.auto_confirm_days + HOLD_MARGIN_DAYS)
    debit = ledger.member_account(elder)
    credit = ledger.system_account(demand.station, AccountKind.ESCROW)
    for place in range(demand.headcount):
        ledger.hold_create(debit=debit, credit=credit, amount=amount, kind=TransferKind.REDEMPTION, actor=actor,
                           subject=demand, idempotency_key=f"demand:{demand.pk}:hold:{place}", expires_at=expires_at,
                           memo=str(demand.service_type))


def _void_holds(demand: Demand, actor=None) -> None:
    for hold in selectors.demand_holds(demand):
        ledger.hold_void(hold=hold, actor=actor)


def _holds_expiry(demand: Demand, actor=None) -> None:
    """While a service of an elder-paid demand is disputed its holds do not expire (a dispute may
    outlast them); once no dispute is open they expire again, at the latest of their usual expiry
    and a margin after the decision."""
    if demand.payer != Payer.ELDER:
        return
    if demand.assignments.filter(status=AssignmentStatus.DISPUTED).exists():
        expires_at = None
    else:
        usual = demand.ends_at + dt.timedelta(days=rules_for(demand.bank).auto_confirm_days + HOLD_MARGIN_DAYS)
        expires_at = max(usual, timezone.now() + dt.timedelta(days=HOLD_MARGIN_DAYS))
    for hold in selectors.demand_holds(demand):
        if hold.expires_at is None or expires_at is None:
            ledger.hold_extend(hold=hold, expires_at=expires_at, actor=actor)


def demand_publish(*, actor: Person | None, demand: Demand) -> Demand:
    """Draft → published (or → review when the bank reviews members' demands); review → published
    by station staff. An elder-paid demand holds the elder's coins now."""
    with transaction.atomic():
        demand = _lock_demand(demand.pk)
        staff = actor is None or _is_staff(actor, demand)
        if actor is not None:
            _require_visible(actor, demand)
            if not (staff or selectors.acts_for_demand(actor, demand)):
                raise NotYours()
        if demand.status == DemandStatus.REVIEW and not staff:
            raise InvalidTransition()
        if demand.status not in (DemandStatus.DRAFT, DemandStatus.REVIEW):
            raise InvalidTransition()
        if demand.starts_at <= timezone.now():
            raise TimesInvalid(_("The start must be in the future."), code="start_in_past")
        if demand.status == DemandStatus.DRAFT and not staff and rules_for(demand.bank).demand_review_required:
            demand.status = DemandStatus.REVIEW
            demand.save(update_fields=["status"])
            _audit(actor, "demand.submitted", demand, demand)
            staff_ids = _station_staff(demand)
            demand_notify(staff_ids, NoticeKind.REVIEW, demand)
            return demand
        if demand.payer == Payer.ELDER:
            _hold_places(demand, actor)
        demand.status, demand.published_at = DemandStatus.PUBLISHED, timezone.now()
        if staff and actor is not None and demand.created_by_id != actor.pk:
            demand.reviewed_by = actor
        demand.save(update_fields=["status", "published_at", "reviewed_by"])
        _audit(actor, "demand.published", demand, demand)
    return demand


def _station_staff(demand: Demand) -> list[int]:
    from timebank.orgs.models import RoleGrant
    from timebank.orgs.roles import Role

    return list(RoleGrant.objects.filter(node=demand.station, role=Role.STATION_STAFF, revoked_at__isnull=True)
                .values_list("person_id", flat=True))


def demand_cancel(*, actor: Person | None, demand: Demand, reason: str = "") -> Demand:
    """Cancel before anyone checked in: claims are withdrawn, the elder's holds released."""
    with transaction.atomic():
        demand = _lock_demand(demand.pk)
        if actor is not None:
            _require_visible(actor, demand)
            if not (_is_staff(actor, demand) or selectors.acts_for_demand(actor, demand)):
                raise NotYours()
        if demand.status not in (DemandStatus.DRAFT, DemandStatus.REVIEW, DemandStatus.PUBLISHED,
                                 DemandStatus.CLAIMED):
            raise InvalidTransition()
        if demand.assignments.exclude(status__in=[AssignmentStatus.CLAIMED, AssignmentStatus.CANCELLED]).exists():
            raise InvalidTransition()
        if _handed_to_supplier(demand):
            # The elder's coins are redeemed and the guarantee fund owes the supplier: only the
            # supplier order's cancellation undoes both together.
            raise TakenBySupplier()
        now = timezone.now()
        volunteers = list(Person.objects.filter(assignments__demand=demand,
                                                assignments__status=AssignmentStatus.CLAIMED))
        demand.assignments.filter(status=AssignmentStatus.CLAIMED).update(status=AssignmentStatus.CANCELLED,
                                                                          cancelled_at=now)
        _void_holds(demand, actor)
        demand.status, demand.cancelled_at, demand.cancelled_by = DemandStatus.CANCELLED, now, actor
        demand.cancel_reason, demand.claimed_count = (reason or "").strip()[:200], 0
        demand.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason", "claimed_count"])
        _audit(actor, "demand.cancelled", demand, demand, reason=demand.cancel_reason)
        demand_notify(volunteers, NoticeKind.CANCELLED, demand, demand.cancel_reason)
    return demand


def _refresh(demand: Demand) -> None:
    """Derive a live demand's status from its assignments (the demand row is locked)."""
    if demand.status not in LIVE_STATUSES:
        return
    live = [s for s in demand.assignments.values_list("status", flat=True) if s != AssignmentStatus.CANCELLED]
    if AssignmentStatus.CHECKED_IN in live:
        new = DemandStatus.IN_SERVICE
    elif AssignmentStatus.CLAIMED in live:
        new = DemandStatus.CLAIMED if demand.claimed_count >= demand.headcount else DemandStatus.PUBLISHED
    elif any(s in (AssignmentStatus.DONE, AssignmentStatus.DISPUTED, AssignmentStatus.CONFIRMED) for s in live):
        new = DemandStatus.DONE
    elif live:
        new = DemandStatus.COMPLETED
    else:
        new = DemandStatus.PUBLISHED
    if new != demand.status:
        demand.status = new
        fields = ["status"]
        if new == DemandStatus.COMPLETED:
            demand.closed_at = timezone.now()
            fields.append("closed_at")
            _void_holds(demand)
        demand.save(update_fields=fields)


# ---- claims --------------------------------------------------------------------------------------

def _claim(*, actor: Person, demand_id: int, volunteer: Person, dispatched: bool) -> Assignment:
    now = timezone.now()
    # A full demand answers at once, without queueing for its row lock (a claim storm's losers);
    # everything is checked again under the lock.
    seen = Demand.objects.filter(pk=demand_id).values_list("status", "claimed_count", "headcount").first()
    if (seen is not None and seen[0] == DemandStatus.CLAIMED and seen[1] >= seen[2]
            and not Assignment.objects.filter(demand_id=demand_id, volunteer=volunteer).exists()
            and demand_id in set(selectors.demands_visible_to(actor).filter(pk=demand_id).values_list("pk", flat=True))):
        raise DemandFull()
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
        rules = rules_for(demand.bank)
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
        cutoff = demand.starts_at - dt.timedelta(hours=rules_for(demand.bank).unclaim_cutoff_hours)
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


# ---- the service itself --------------------------------------------------------------------------

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
            radius = rules_for(demand.bank).checkin_radius_m
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
    tolerance = rules_for(demand.bank).service_tolerance_minutes
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


# ---- confirm, dispute, credit --------------------------------------------------------------------

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
            if minutes:
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


# ---- housekeeping (the task worker; each safe to run twice) -------------------------------------

def demands_expire(now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Published (or still in review) demands whose start passed with nobody claimed expire and
    the elder's holds are released; partly claimed ones go ahead."""
    now = now or timezone.now()
    due = list(Demand.objects.filter(status__in=[DemandStatus.PUBLISHED, DemandStatus.REVIEW], starts_at__lte=now,
                                     claimed_count=0).order_by("id").values_list("pk", flat=True)[:limit])
    count = 0
    for pk in due:
        with transaction.atomic():
            demand = _lock_demand(pk)
            if demand.status not in (DemandStatus.PUBLISHED, DemandStatus.REVIEW) or demand.claimed_count:
                continue
            _void_holds(demand)
            demand.status, demand.closed_at = DemandStatus.EXPIRED, now
            demand.save(update_fields=["status", "closed_at"])
            _audit(None, "demand.expired", demand, demand)
            demand_notify([demand.created_by], NoticeKind.CANCELLED, demand, str(_("Nobody took it in time.")))
            count += 1
    return count


def assignments_mark_no_show(now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Claims with no check-in by the start plus the bank's grace become no-shows."""
    now = now or timezone.now()
    due = list(Assignment.objects.filter(status=AssignmentStatus.CLAIMED, starts_at__lte=now)
               .order_by("id").values_list("pk", flat=True)[:limit])
    count = 0
    for pk in due:
        with transaction.atomic():
            demand, assignment = _lock_assignment(pk)
            grace = dt.timedelta(minutes=rules_for(demand.bank).no_show_grace_minutes)
            if assignment.status != AssignmentStatus.CLAIMED or demand.starts_at + grace > now:
                continue
            assignment.status = AssignmentStatus.NO_SHOW
            assignment.save(update_fields=["status"])
            _refresh(demand)
            _audit(None, "service.no_show", assignment, demand, volunteer=assignment.volunteer_id)
            count += 1
    return count


def assignments_auto_confirm(now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Services left unconfirmed for the bank's number of days confirm themselves; credits the
    ledger refused earlier are tried again."""
    now = now or timezone.now()
    count = 0
    due = list(Assignment.objects.filter(status=AssignmentStatus.DONE, check_out_at__lte=now)
               .select_related("demand__bank").order_by("id")[:limit])
    for assignment in due:
        days = rules_for(assignment.demand.bank).auto_confirm_days
        if assignment.check_out_at + dt.timedelta(days=days) > now:
            continue
        try:
            assignment_confirm(actor=None, assignment=assignment, auto=True)
            count += 1
        except InvalidTransition:
            continue
    for assignment in Assignment.objects.filter(status=AssignmentStatus.CONFIRMED).order_by("id")[:limit]:
        assignment_credit_retry(assignment=assignment)
    return count


def reminders_send(now: dt.datetime | None = None, limit: int = 5000) -> int:
    """The day before: remind each volunteer of tomorrow's task, once."""
    now = now or timezone.now()
    due = list(Assignment.objects.filter(status=AssignmentStatus.CLAIMED, reminded_at__isnull=True,
                                         starts_at__gt=now, starts_at__lte=now + dt.timedelta(hours=24))
               .select_related("demand").order_by("id")[:limit])
    count = 0
    for assignment in due:
        with transaction.atomic():
            if Assignment.objects.filter(pk=assignment.pk, reminded_at__isnull=True).update(reminded_at=now):
                demand_notify([assignment.volunteer_id], NoticeKind.REMINDER, assignment.demand)
                count += 1
    return count


# ---- recurring demands ---------------------------------------------------------------------------

def series_create(*, actor: Person, station: Node, service_type: ServiceType, weekday: int, start_time: dt.time,
                  duration_minutes: int, starts_on: dt.date, until: dt.date, elder: Person | None = None,
                  address: str = "", latitude: float | None = None, longitude: float | None = None,
                  headcount: int = 1, notes: str = "", payer: str = Payer.BRANCH, publish: bool = True) -> DemandSeries:
    """A weekly demand (e.g. every Tuesday 9:00–10:00 until a date); instances are generated now
    for the coming weeks and by the worker later."""
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise TimesInvalid(_("Choose a weekday."), code="weekday_invalid")
    if until < starts_on or until - starts_on > dt.timedelta(days=366):
        raise TimesInvalid(_("A series runs from its first day for at most a year."), code="series_range_invalid")
    if not isinstance(duration_minutes, int) or not 5 <= duration_minutes <= MAX_DURATION.total_seconds() // 60:
        raise TimesInvalid()
    if until < timezone.localdate():
        raise TimesInvalid(_("The start must be in the future."), code="start_in_past")
    # The same checks as a single demand, on the first instance's times (nothing is written).
    first = timezone.make_aware(dt.datetime.combine(max(starts_on, timezone.localdate() + dt.timedelta(days=1)),
                                                    start_time))
    with transaction.atomic():
        probe = transaction.savepoint()
        demand_create(actor=actor, station=station, service_type=service_type, starts_at=first,
                      ends_at=first + dt.timedelta(minutes=duration_minutes), elder=elder, address=address,
                      latitude=latitude, longitude=longitude, headcount=headcount, notes=notes, payer=payer)
        transaction.savepoint_rollback(probe)
        series = DemandSeries.objects.create(
            bank_id=station.bank_id, station=station, elder=elder, service_type=service_type, address=address,
            latitude=latitude, longitude=longitude, weekday=weekday, start_time=start_time,
            duration_minutes=duration_minutes, starts_on=starts_on, until=until, headcount=headcount, notes=notes,
            payer=payer, publish=publish, created_by=actor)
        audit_record(actor=actor, action="demand_series.created", obj=series, node=station, bank=station.bank,
                     changes={"weekday": weekday, "start_time": start_time.isoformat(), "until": until.isoformat()})
        series_generate(series)
    return series


def series_generate(series: DemandSeries, today: dt.date | None = None, horizon_days: int = SERIES_HORIZON_DAYS) -> int:
    """Create the instances due in the coming `horizon_days` (local dates, stored in UTC). An
    instance exists at most once per start (a unique constraint), so running twice is harmless."""
    today = today or timezone.localdate()
    if series.cancelled_at is not None:
        return 0
    first = max(series.starts_on, today)
    if series.generated_until is not None:
        first = max(first, series.generated_until + dt.timedelta(days=1))
    last = min(series.until, today + dt.timedelta(days=horizon_days))
    created = 0
    day = first
    while day <= last:
        if day.weekday() == series.weekday:
            starts_at = timezone.make_aware(dt.datetime.combine(day, series.start_time))
            if starts_at > timezone.now() and not Demand.objects.filter(series=series, starts_at=starts_at).exists():
                created += _series_instance(series, starts_at)
        day += dt.timedelta(days=1)
    if last >= first:
        DemandSeries.objects.filter(pk=series.pk).update(generated_until=last)
        series.generated_until = last
    return created


def _series_instance(series: DemandSeries, starts_at: dt.datetime) -> int:
    try:
        with transaction.atomic():
            demand = demand_create(actor=series.created_by, station=series.station, service_type=series.service_type,
                                   starts_at=starts_at, ends_at=starts_at + dt.timedelta(minutes=series.duration_minutes),
                                   elder=series.elder, address=series.address, latitude=series.latitude,
                                   longitude=series.longitude, headcount=series.headcount, notes=series.notes,
                                   payer=series.payer, series=series, check_actor=False)
    except IntegrityError:
        return 0
    if series.publish:
        try:
            with transaction.atomic():
                demand_publish(actor=None, demand=demand)
        except DomainError as err:
            # e.g. the elder's coins ran out: the instance waits as a draft and the publisher hears of it.
            demand_notify([series.created_by], NoticeKind.REVIEW, demand, str(err.message))
    return 1


def series_generate_all(today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    total = 0
    for series in DemandSeries.objects.filter(cancelled_at__isnull=True, until__gte=today).select_related(
            "station", "service_type", "elder", "created_by"):
        total += series_generate(series, today)
    return total


def series_update(*, actor: Person, series: DemandSeries, **fields) -> dict:
    """Change a series: the series itself and its future instances nobody has claimed yet (those
    already claimed keep their time and are reported). A shorter `until` cancels the instances after it."""
    allowed = {"start_time", "duration_minutes", "until", "headcount", "notes", "address"}
    if set(fields) - allowed:
        raise InvalidTransition(detail={"fields": sorted(set(fields) - allowed)})
    changed, kept = [], []
    with transaction.atomic():
        series = DemandSeries.objects.select_for_update().select_related("station", "service_type").get(pk=series.pk)
        if not selectors.may_manage_series(actor, series):
            raise NotFound()
        if series.cancelled_at is not None:
            raise InvalidTransition()
        for key, value in fields.items():
            setattr(series, key, value)
        if series.until < series.starts_on or not 5 <= series.duration_minutes <= MAX_DURATION.total_seconds() // 60:
            raise TimesInvalid()
        if not isinstance(series.headcount, int) or not 1 <= series.headcount <= MAX_HEADCOUNT[series.service_type.mode]:
            raise HeadcountInvalid(detail={"max": MAX_HEADCOUNT[series.service_type.mode]})
        if series.generated_until and series.generated_until > series.until:
            series.generated_until = series.until
        series.save()
        future = series.demands.filter(starts_at__gt=timezone.now(), status__in=[
            DemandStatus.DRAFT, DemandStatus.REVIEW, DemandStatus.PUBLISHED, DemandStatus.CLAIMED]).order_by("starts_at")
        for demand in future:
            day = timezone.localtime(demand.starts_at).date()
            try:
                with transaction.atomic():
                    if day > series.until:
                        demand_cancel(actor=actor, demand=demand, reason=str(_("The series ends earlier.")))
                        changed.append(demand.pk)
                        continue
                    update = {k: v for k, v in fields.items() if k in ("headcount", "notes", "address")}
                    if {"start_time", "duration_minutes"} & set(fields):
                        starts_at = timezone.make_aware(dt.datetime.combine(day, series.start_time))
                        update.update(starts_at=starts_at,
                                      ends_at=starts_at + dt.timedelta(minutes=series.duration_minutes))
                    if update:
                        demand_update(actor=actor, demand=demand, **update)
                        changed.append(demand.pk)
            except DomainError:
                kept.append(demand.pk)
        audit_record(actor=actor, action="demand_series.updated", obj=series, node=series.station,
                     bank=series.station.bank, changes={k: str(v) for k, v in fields.items()})
        series_generate(series)
    return {"changed": changed, "kept": kept}


def series_cancel(*, actor: Person, series: DemandSeries, reason: str = "") -> DemandSeries:
    """Stop a series: no new instances; instances not yet started are cancelled."""
    with transaction.atomic():
        series = DemandSeries.objects.select_for_update().select_related("station").get(pk=series.pk)
        if not selectors.may_manage_series(actor, series):
            raise NotFound()
        if series.cancelled_at is not None:
            raise InvalidTransition()
        series.cancelled_at = timezone.now()
        series.save(update_fields=["cancelled_at"])
        for demand in series.demands.filter(status__in=[DemandStatus.DRAFT, DemandStatus.REVIEW,
                                                        DemandStatus.PUBLISHED, DemandStatus.CLAIMED],
                                            starts_at__gt=timezone.now()):
            try:
                with transaction.atomic():
                    demand_cancel(actor=None, demand=demand, reason=reason)
            except InvalidTransition:
                continue
        audit_record(actor=actor, action="demand_series.cancelled", obj=series, node=series.station,
                     bank=series.station.bank, changes={"reason": reason})
    return series


# ---- guaranteed fulfilment (保底): an unclaimed coin request handed to a supplier ----------------

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


def _supplier_posting(demand: Demand):
    """The posting that redeemed the elder's coins when a supplier took the request, if any."""
    from timebank.ledger.models import Transfer

    return Transfer.objects.filter(bank_id=demand.bank_id, idempotency_key=f"demand:{demand.pk}:supplier").first()


def _handed_to_supplier(demand: Demand) -> bool:
    return (demand.status == DemandStatus.CLAIMED and demand.payer == Payer.ELDER
            and not demand.assignments.exclude(status=AssignmentStatus.CANCELLED).exists()
            and _supplier_posting(demand) is not None)


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
