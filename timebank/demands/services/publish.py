"""A demand's own lifecycle: create, change, publish (holding an elder's coins) or send to review, cancel."""
import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.demands.models import DemandRules
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind
from timebank.lib.errors import NotFound
from timebank.lib.events import publish
from timebank.lib.geocode import geocode
from timebank.lib.nudge import nudge_on_commit
from timebank.notices.models import NoticeKind
from timebank.orgs.events import STATION_DAY_CHANGED
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.access import SELF_OR_PROXY, access_elders
from timebank.people.models import Person, PersonStatus

from .. import selectors
from ..exceptions import (
    ElderRequired,
    HeadcountInvalid,
    InvalidTransition,
    NotYours,
    ServiceTypeUnavailable,
    TakenBySupplier,
    TimesInvalid,
)
from ..models import AssignmentStatus, Demand, DemandSeries, DemandStatus, Payer, ServiceType
from ._common import (
    HOLD_MARGIN_DAYS,
    MAX_HEADCOUNT,
    _audit,
    _check_coordinates,
    _check_times,
    _handed_to_supplier,
    _is_staff,
    _lock_demand,
    _require_visible,
    _void_holds,
    demand_notify,
)


def demand_create(*, actor: Person, station: Node, service_type: ServiceType, starts_at: dt.datetime,
                  ends_at: dt.datetime, elder: Person | None = None, elders: Iterable[Person] = (),
                  for_community: bool = False, address: str = "", latitude: float | None = None,
                  longitude: float | None = None, headcount: int = 1, notes: str = "", payer: str = Payer.BRANCH,
                  series: DemandSeries | None = None, check_actor: bool = True, publish: bool = False,
                  visitor_id_number: str = "") -> Demand:
    """A draft demand — or, with `publish`, published (or sent to review) in the same transaction.
    Staff of the station publish for the elders in their own reach; an elder or a proxy for the elder
    they act for. Every elder served is reached through `access_elders` (the
    same rule as the API and the pages), so another branch's elder is not found, whoever calls;
    someone who is not staff of the station reaches only themselves and the elders they are a
    proxy for, never through a staff role held elsewhere.

    An elder of another bank of the platform may be served here with their own coins (跨区兑换): booked by
    the elder or their proxy, or by this station's staff for a visiting elder who shows their resident
    ID card (`visitor_id_number`, checked against the elder's; see `selectors.visiting_elder`)."""
    elders = [e for e in elders if e is not None]
    if check_actor:
        demand_create_allowed(actor=actor, station=station, elder=elder, elders=elders, for_community=for_community,
                              visitor_id_number=visitor_id_number)
    elif station is None or station.kind != NodeKind.STATION or station.is_closed:
        raise NotFound()
    if service_type.bank_id != station.bank_id or not service_type.is_active:
        raise ServiceTypeUnavailable()
    if elder is None and not elders and not for_community:
        raise ElderRequired()
    if payer not in Payer.values:
        raise ElderRequired(_("Choose who pays."), code="payer_invalid")
    if payer == Payer.ELDER and (elder is None or elders or for_community):
        raise ElderRequired(_("An elder pays with their own coins only for a service to themselves."),
                            code="elder_pays_for_one")
    for person in ([elder] if elder else []) + elders:
        if not person.is_elder or person.bank_id is None:
            raise ElderRequired(_("Only registered elders of this bank can be served."), code="not_an_elder")
        if person.bank_id != station.bank_id:
            # 跨区兑换: an elder of another bank of the platform, paying with their own coins.
            if payer != Payer.ELDER:
                raise ElderRequired(_("An elder of another bank is served here only with their own coins."),
                                    code="other_bank_pays_with_coins")
            ledger.redemption_allowed(person, at_bank=station.bank)
    if not isinstance(headcount, int) or isinstance(headcount, bool) or not (
            1 <= headcount <= MAX_HEADCOUNT[service_type.mode]):
        raise HeadcountInvalid(detail={"max": MAX_HEADCOUNT[service_type.mode]})
    _check_times(starts_at, ends_at)
    _check_coordinates(latitude, longitude)
    address, latitude, longitude = demand_place(station=station, elder=elder, elders=elders, address=address,
                                                latitude=latitude, longitude=longitude)
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


def demand_create_allowed(*, actor: Person, station: Node, elder: Person | None = None, elders: Iterable[Person] = (),
                          for_community: bool = False, visitor_id_number: str = "") -> None:
    """NotFound unless the actor may ask for a request at this open station for these elders (see
    `demand_create`): checked before anything is looked up or written for it."""
    if station is None or station.kind != NodeKind.STATION or station.is_closed:
        raise NotFound()
    served = ([elder] if elder else []) + [e for e in elders if e is not None]
    staff = has_perm(actor, Perm.DEMANDS_MANAGE, station)
    if staff and visitor_id_number and served:
        _visitor_check(actor, served, station, visitor_id_number)
    else:
        access_elders(actor, served, for_=Perm.DEMANDS_MANAGE if staff else SELF_OR_PROXY)
    if not staff and (not served or for_community):
        raise NotFound()


def demand_place(*, station: Node, elder: Person | None, elders: Iterable[Person] = (), address: str = "",
                 latitude: float | None = None, longitude: float | None = None) -> tuple[str, float | None, float | None]:
    """(address, latitude, longitude) of a request: the address from the elder's record unless given; the
    map point from the address (when a geocoder is set up), else none and the demand uses its station's
    point. Nobody types coordinates. The geocoder is a call over the network (up to 3 s): callers that
    open a transaction call this first (after `demand_create_allowed`), so no transaction waits on it."""
    one_elder = elder is not None and not list(elders)
    address = (address or "").strip() or (elder.address if one_elder else "")
    if latitude is None and longitude is None and address:
        # The elder's last request at this address remembers its point (a clerk's pin included); a new
        # address, or a point taken back to the station's on that request, asks the map service again.
        last = (Demand.objects.filter(elder=elder, address=address[:200]).order_by("-id")
                .values_list("latitude", "longitude").first()) if one_elder else None
        point = last if last and last[0] is not None and last[1] is not None else \
            geocode(address, city=station.bank.name if station.bank_id else "")
        if point is not None:
            latitude, longitude = point
    return address, latitude, longitude


def visitor_find(*, actor: Person, mobile: str, id_number: str) -> Person:
    """来访长者: the elder of another bank of the platform with this mobile number and resident ID number
    (`selectors.visiting_elder`; anything else is a 404). Each attempt counts against the staff member's
    limit (an ID number is not to be guessed), and each finding is written to the elder's bank's audit
    trail: whoever looked them up, from which bank."""
    from timebank.audit.rate_limit import rate_limit_hit
    from timebank.audit.services import audit_record

    rate_limit_hit("visitor_lookup", f"person:{getattr(actor, 'pk', '')}")
    elder = selectors.visiting_elder(actor, mobile, id_number)
    audit_record(actor=actor, action="demands.visitor_found", obj=elder, node=elder.node, bank=elder.bank,
                 changes={"by_bank": actor.bank_id})
    return elder


def _visitor_check(actor: Person, served: list[Person], station: Node, id_number: str) -> None:
    """Staff booking for a visiting elder by the ID card they show: a lookup like `visitor_find` (elder and
    ID number), so it counts against the same limit, and finds only an active elder of another bank."""
    from timebank.audit.rate_limit import rate_limit_hit
    from timebank.lib.field_crypto import lookup_hash
    from timebank.lib.resident_id import normalise

    rate_limit_hit("visitor_lookup", f"person:{getattr(actor, 'pk', '')}")
    elder = served[0] if len(served) == 1 else None
    if elder is None or elder.bank_id == station.bank_id or elder.status != PersonStatus.ACTIVE \
            or not elder.id_number_hash or lookup_hash(normalise(id_number)) != elder.id_number_hash:
        raise NotFound()


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


# The pin may move while nobody has started the service: a volunteer's GPS check-in is measured from it.
PIN_MOVABLE = (DemandStatus.DRAFT, DemandStatus.REVIEW, DemandStatus.PUBLISHED, DemandStatus.CLAIMED)


def demand_point_set(*, actor: Person, demand: Demand, latitude: float | None, longitude: float | None) -> Demand:
    """Staff place the request's map point by hand (the clerk's pin, where no geocoder found the address);
    both None: the request goes back to its station's point. Also once taken, until the service starts."""
    with transaction.atomic():
        demand = _lock_demand(demand.pk)
        _require_visible(actor, demand)
        if not _is_staff(actor, demand):
            raise NotYours()
        if demand.status not in PIN_MOVABLE:
            raise InvalidTransition()
        _check_coordinates(latitude, longitude)
        before = (demand.latitude, demand.longitude)
        demand.latitude, demand.longitude = latitude, longitude
        demand.save(update_fields=["latitude", "longitude"])
        _audit(actor, "demand.pinned", demand, demand, point=[str(before), str((latitude, longitude))])
    return demand


def _hold_places(demand: Demand, actor) -> None:
    """Reserve the elder's coins for every place (elder-paid); nothing is held twice on a retry."""
    elder = demand.elder
    ledger.redemption_allowed(elder, at_bank=demand.bank)
    rules = DemandRules.in_force(demand.bank)
    amount = demand.service_type.credit_for(demand.planned_minutes)
    expires_at = demand.ends_at + dt.timedelta(days=rules.auto_confirm_days + HOLD_MARGIN_DAYS)
    debit = ledger.member_account(elder)
    if elder.bank_id == demand.bank_id:
        credit = ledger.system_account(demand.station, AccountKind.ESCROW)
    else:  # 跨区兑换: held in the elder's bank, to its clearing account with the demand's bank
        credit = ledger.clearing_accounts_between(elder.bank, demand.bank, debit.currency)[0]
    for place in range(demand.headcount):
        ledger.hold_create(debit=debit, credit=credit, amount=amount, kind=TransferKind.REDEMPTION, actor=actor,
                           subject=demand, idempotency_key=f"demand:{demand.pk}:hold:{place}", expires_at=expires_at,
                           memo=str(demand.service_type))


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
        if demand.status == DemandStatus.DRAFT and not staff and DemandRules.in_force(demand.bank).demand_review_required:
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
        nudge_on_commit("timebank.demands.tasks.announce_new_demands")  # 精准推送, once committed
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
