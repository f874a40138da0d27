"""Reading demands: what each person may see, the volunteer's feed (精准对接), the fitting
volunteers for a demand, and the inbox. Every query is scoped to what `actor` may see."""
import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from timebank.ledger.models import Transfer, TransferStatus
from timebank.lib.errors import NotFound
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, scope_q
from timebank.people.models import Person, PersonStatus, ProxyLink, VolunteerStatus

from .models import (
    PLACE_HOLDING,
    TIME_BLOCKING,
    Assignment,
    AssignmentStatus,
    Demand,
    DemandStatus,
    Notice,
    ServiceType,
    VolunteerArea,
)

FEED_CANDIDATES = 500  # the feed ranks at most this many soonest matches in Python
EARTH_RADIUS_M = 6_371_000


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def demand_point(demand: Demand) -> tuple[float, float] | None:
    """Where the service happens: the demand's own map point, else its station's."""
    if demand.latitude is not None and demand.longitude is not None:
        return demand.latitude, demand.longitude
    station = demand.station
    if station.latitude is not None and station.longitude is not None:
        return station.latitude, station.longitude
    return None


def certificates_held(person: Person) -> set[str]:
    """Certificate codes the person holds and that are in force. Training certificates come with
    the training app; until then nobody holds any, so only types without a requirement fit."""
    return set()


def holds_certificate_for(person: Person, service_type: ServiceType) -> bool:
    return not service_type.required_certificate or service_type.required_certificate in certificates_held(person)


def branch_of_station(station: Node) -> Node:
    return station if station.kind == NodeKind.BRANCH else station.parent


def volunteer_branch_ids(volunteer: Person) -> list[int]:
    """Branches whose demands a volunteer may take: the branch of their home station, and the
    branches of the same bank they opted into."""
    node = volunteer.node
    if node is None:
        return []
    home = [node.parent_id] if node.kind == NodeKind.STATION else [node.pk] if node.kind == NodeKind.BRANCH else []
    cached = getattr(volunteer, "_area_ids", None)
    if cached is None:
        cached = list(VolunteerArea.objects.filter(person=volunteer, branch__bank_id=volunteer.bank_id,
                                                   branch__is_closed=False).values_list("branch_id", flat=True))
        volunteer._area_ids = cached
    return home + [b for b in cached if b not in home]


def branches_to_opt_into(volunteer: Person) -> QuerySet[Node]:
    return Node.objects.filter(bank_id=volunteer.bank_id, kind=NodeKind.BRANCH, is_closed=False).order_by("path")


def is_active_volunteer(person: Person) -> bool:
    return (person.is_volunteer and person.volunteer_status == VolunteerStatus.APPROVED
            and person.status == PersonStatus.ACTIVE and person.is_active)


def service_types_of(bank: Node, *, active_only: bool = True) -> QuerySet[ServiceType]:
    types = ServiceType.objects.filter(bank=bank)
    return types.filter(is_active=True) if active_only else types


def service_type_get(bank: Node, type_id) -> ServiceType:
    try:
        return ServiceType.objects.get(bank=bank, pk=int(type_id))
    except (ServiceType.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


# ---- who may see and do what ------------------------------------------------------------------

def is_demand_staff(actor, demand: Demand, perm: str = Perm.DEMANDS_MANAGE) -> bool:
    return has_perm(actor, perm, demand.station)


def elders_of(demand: Demand) -> list[Person]:
    people = list(demand.elders.all())
    if demand.elder_id and all(p.pk != demand.elder_id for p in people):
        people.insert(0, demand.elder)
    return people


def acts_for_demand(actor, demand: Demand) -> bool:
    """The served elder, their proxy, or whoever published it (members acting for elders)."""
    if actor is None or not getattr(actor, "pk", None):
        return False
    if demand.created_by_id == actor.pk:
        return True
    elder_ids = {p.pk for p in elders_of(demand)}
    if actor.pk in elder_ids:
        return True
    return ProxyLink.objects.filter(proxy=actor, elder_id__in=elder_ids, revoked_at__isnull=True).exists()


def demands_visible_to(actor) -> QuerySet[Demand]:
    """Staff: demands at stations in reach. Members: what they serve, receive, published or act
    for, and the published demands of their branch."""
    q = scope_q(actor, Perm.DEMANDS_VIEW, "station__path")
    if getattr(actor, "pk", None):
        elder_ids = list(ProxyLink.objects.filter(proxy=actor, revoked_at__isnull=True).values_list("elder_id", flat=True))
        elder_ids.append(actor.pk)
        q |= Q(created_by=actor) | Q(elder_id__in=elder_ids) | Q(elders__in=elder_ids)
        q |= Q(Exists(Assignment.objects.filter(demand=OuterRef("pk"), volunteer=actor)))
        if is_active_volunteer(actor):
            q |= Q(branch_id__in=volunteer_branch_ids(actor), status__in=[DemandStatus.PUBLISHED, DemandStatus.CLAIMED])
    return (Demand.objects.filter(pk__in=Demand.objects.filter(q).values("pk"))
            .select_related("service_type", "station", "elder", "branch"))


def demand_get(actor, demand_id) -> Demand:
    """A demand the actor may see, or 404 (never a hint that it exists elsewhere)."""
    try:
        demand_id = int(demand_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    demand = demands_visible_to(actor).filter(pk=demand_id).first()
    if demand is None:
        raise NotFound()
    return demand


def demands_search(actor, *, status: str = "", type_id: int | None = None, station_id: int | None = None,
                   date_from: dt.datetime | None = None, date_to: dt.datetime | None = None,
                   near: tuple[float, float] | None = None, radius_km: float | None = None) -> QuerySet[Demand]:
    demands = demands_visible_to(actor)
    if status:
        demands = demands.filter(status=status)
    if type_id:
        demands = demands.filter(service_type_id=type_id)
    if station_id:
        demands = demands.filter(station_id=station_id)
    if date_from:
        demands = demands.filter(starts_at__gte=date_from)
    if date_to:
        demands = demands.filter(starts_at__lt=date_to)
    if near and radius_km:
        demands = demands.filter(_bounding_box(near, radius_km * 1000))
    return demands.order_by("starts_at", "id")


def _bounding_box(near: tuple[float, float], radius_m: float) -> Q:
    lat, lng = near
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlng = math.degrees(radius_m / (EARTH_RADIUS_M * max(0.01, math.cos(math.radians(lat)))))
    inside = Q(latitude__gte=lat - dlat, latitude__lte=lat + dlat, longitude__gte=lng - dlng, longitude__lte=lng + dlng)
    station_inside = Q(latitude__isnull=True) & Q(station__latitude__gte=lat - dlat, station__latitude__lte=lat + dlat,
                                                  station__longitude__gte=lng - dlng, station__longitude__lte=lng + dlng)
    return inside | station_inside


def overlapping_claims(volunteer: Person, starts_at: dt.datetime, ends_at: dt.datetime) -> QuerySet[Assignment]:
    return Assignment.objects.filter(volunteer=volunteer, status__in=TIME_BLOCKING, starts_at__lt=ends_at,
                                     ends_at__gt=starts_at)


def minutes_claimed_on(volunteer: Person, day: dt.date) -> int:
    """Planned minutes of the volunteer's live claims starting on `day` (Asia/Shanghai)."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    total = 0
    for a in Assignment.objects.filter(volunteer=volunteer, status__in=TIME_BLOCKING, starts_at__gte=start,
                                       starts_at__lt=start + dt.timedelta(days=1)).select_related("demand__service_type"):
        total += a.demand.service_type.credit_for(a.demand.planned_minutes)
    return total


@dataclass
class FeedItem:
    demand: Demand
    distance_m: float | None


def volunteer_feed(volunteer: Person, *, type_id: int | None = None, date_from: dt.datetime | None = None,
                   date_to: dt.datetime | None = None, near: tuple[float, float] | None = None,
                   radius_km: float | None = None, limit: int = 50) -> list[FeedItem]:
    """Published demands the volunteer can actually take: their branch, types whose certificate
    they hold, a place free, not their own, not overlapping their claims; soonest day first and
    nearest within a day. `near` defaults to the volunteer's home station."""
    if not is_active_volunteer(volunteer):
        return []
    now = timezone.now()
    held = certificates_held(volunteer)
    demands = (Demand.objects.filter(status=DemandStatus.PUBLISHED, branch_id__in=volunteer_branch_ids(volunteer),
                                     starts_at__gt=now)
               .filter(Q(service_type__required_certificate="") | Q(service_type__required_certificate__in=held))
               .exclude(elder=volunteer).exclude(created_by=volunteer)
               .exclude(Exists(Assignment.objects.filter(demand=OuterRef("pk"), volunteer=volunteer,
                                                         status__in=PLACE_HOLDING)))
               .exclude(Exists(Assignment.objects.filter(volunteer=volunteer, status__in=TIME_BLOCKING,
                                                         starts_at__lt=OuterRef("ends_at"),
                                                         ends_at__gt=OuterRef("starts_at")))))
    if type_id:
        demands = demands.filter(service_type_id=type_id)
    if date_from:
        demands = demands.filter(starts_at__gte=date_from)
    if date_to:
        demands = demands.filter(starts_at__lt=date_to)
    if near is None and volunteer.node is not None and volunteer.node.latitude is not None:
        near = (volunteer.node.latitude, volunteer.node.longitude)
    if near is not None and radius_km:
        demands = demands.filter(_bounding_box(near, radius_km * 1000))
    candidates = list(demands.select_related("service_type", "station", "elder").order_by("starts_at", "id")
                      [:FEED_CANDIDATES])
    items = []
    for demand in candidates:
        point = demand_point(demand)
        distance = distance_m(*near, *point) if near is not None and point is not None else None
        if radius_km and distance is not None and distance > radius_km * 1000:
            continue
        items.append(FeedItem(demand, distance))
    items.sort(key=lambda i: (timezone.localtime(i.demand.starts_at).date(),
                              i.distance_m if i.distance_m is not None else math.inf, i.demand.starts_at))
    return items[:limit]


@dataclass
class Candidate:
    volunteer: Person
    distance_m: float | None
    rating: float | None
    upcoming: int


def volunteers_for_demand(demand: Demand, *, limit: int = 30) -> list[Candidate]:
    """Volunteers who fit a demand, nearest first, then best rated, then least busy (派单)."""
    busy = Assignment.objects.filter(volunteer=OuterRef("pk"), status__in=TIME_BLOCKING,
                                     starts_at__lt=demand.ends_at, ends_at__gt=demand.starts_at)
    already = Assignment.objects.filter(volunteer=OuterRef("pk"), demand=demand, status__in=PLACE_HOLDING)
    people = (Person.objects.filter(bank_id=demand.bank_id, is_volunteer=True, volunteer_status=VolunteerStatus.APPROVED,
                                    status=PersonStatus.ACTIVE, is_active=True,
                                    )
              .filter(Q(node__path__startswith=demand.branch.path)
                      | Q(pk__in=VolunteerArea.objects.filter(branch_id=demand.branch_id).values("person_id")))
              .exclude(pk__in=[p.pk for p in elders_of(demand)]).exclude(Exists(busy)).exclude(Exists(already))
              .select_related("node")
              .annotate(avg_rating=Avg("assignments__rating"),
                        upcoming=Count("assignments", filter=Q(assignments__status__in=TIME_BLOCKING)))
              .order_by("id")[:2000])
    point = demand_point(demand)
    out = []
    for person in people:
        if not holds_certificate_for(person, demand.service_type):
            continue
        home = person.node
        distance = (distance_m(*point, home.latitude, home.longitude)
                    if point and home is not None and home.latitude is not None else None)
        out.append(Candidate(person, distance, person.avg_rating, person.upcoming))
    out.sort(key=lambda c: (c.distance_m if c.distance_m is not None else math.inf, -(c.rating or 0), c.upcoming))
    return out[:limit]


# ---- assignments ---------------------------------------------------------------------------------

def assignments_of(volunteer: Person, *, live: bool | None = None) -> QuerySet[Assignment]:
    items = Assignment.objects.filter(volunteer=volunteer).select_related("demand__service_type", "demand__station")
    if live is True:
        items = items.filter(status__in=TIME_BLOCKING + [AssignmentStatus.DONE, AssignmentStatus.DISPUTED])
    elif live is False:
        items = items.exclude(status__in=TIME_BLOCKING)
    return items


def assignment_get(actor, assignment_id) -> Assignment:
    """An assignment on a demand the actor may see, or 404."""
    try:
        assignment = Assignment.objects.select_related("demand", "volunteer").get(pk=int(assignment_id))
    except (Assignment.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    demand_get(actor, assignment.demand_id)
    return assignment


def demand_holds(demand: Demand) -> QuerySet[Transfer]:
    """The elder's pending holds for this demand (one per place)."""
    return Transfer.objects.filter(subject_type="demands.demand", subject_id=str(demand.pk),
                                   status=TransferStatus.PENDING).order_by("id")


def board(actor, *, station_id: int | None = None, days: int = 14) -> dict[str, list[Demand]]:
    """Staff board: live demands of the stations in reach, by status."""
    since = timezone.now() - dt.timedelta(days=days)
    demands = (Demand.objects.filter(scope_q(actor, Perm.DEMANDS_VIEW, "station__path"))
               .filter(Q(starts_at__gte=since) | Q(status__in=[DemandStatus.DONE, DemandStatus.IN_SERVICE,
                                                                 DemandStatus.REVIEW]))
               .select_related("service_type", "station", "elder").order_by("starts_at"))
    if station_id:
        demands = demands.filter(station_id=station_id)
    columns: dict[str, list[Demand]] = {s: [] for s in DemandStatus.values}
    for demand in demands[:1000]:
        columns[demand.status].append(demand)
    return columns


def disputes_visible_to(actor) -> QuerySet[Assignment]:
    return (Assignment.objects.filter(scope_q(actor, Perm.DEMANDS_RESOLVE, "demand__station__path"),
                                      status=AssignmentStatus.DISPUTED)
            .select_related("demand__service_type", "demand__station", "volunteer"))


def notices_of(person: Person) -> QuerySet[Notice]:
    return Notice.objects.filter(person=person).select_related("demand__service_type")


def unread_notice_count(person: Person) -> int:
    return Notice.objects.filter(person=person, read_at__isnull=True).count()
