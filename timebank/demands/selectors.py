"""Reading demands: what each person may see, the volunteer's feed (精准对接), the fitting
volunteers for a demand, and the inbox. Every query is scoped to what `actor` may see."""
import datetime as dt
import math
from dataclasses import dataclass

from django.db import connection
from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from timebank.ledger.display import mask_name
from timebank.ledger.models import Transfer, TransferStatus
from timebank.lib.errors import NotFound
from timebank.lib.queries import filter_given
from timebank.lib.week_slots import slot_of
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
    DemandSeries,
    DemandStatus,
    Offer,
    OfferStatus,
    ServiceType,
    VolunteerArea,
)

FEED_CANDIDATES = 200  # the feed ranks at most this many soonest matches in Python
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
    """Course codes of the person's training certificates in force (what `required_certificate` names)."""
    from timebank.training.selectors import certificate_codes_held

    return certificate_codes_held(person)


def orientation_done(person: Person) -> bool:
    """False when the bank requires an orientation course the person has not completed yet."""
    from timebank.training.selectors import orientation_done as done

    return done(person)


def _holders_of(code: str, person_ids) -> set[int]:
    from timebank.training.selectors import holders_of

    return holders_of(code, person_ids)


def holds_certificate_for(person: Person, service_type: ServiceType) -> bool:
    return not service_type.required_certificate or service_type.required_certificate in certificates_held(person)


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


def service_codes_of_bank(bank_id: int) -> dict[str, str]:
    """{code: name} of the kinds of service a bank offers today (what volunteers name as their skills)."""
    return dict(ServiceType.objects.filter(bank_id=bank_id, is_active=True)
                .order_by("category", "code").values_list("code", "name"))


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
    return ProxyLink.objects.active().filter(proxy=actor, elder_id__in=elder_ids).exists()


def elder_shown_to(actor, demand: Demand) -> bool:
    """Whether `actor` is told whom a demand serves (the elder's name, and which elder): staff who
    may see the demand, the elder's side (`acts_for_demand`), and a volunteer who has taken a place
    on it. A volunteer deciding whether to take it is not (the feed hides it too). The one rule for
    the demand page and the API."""
    if actor is None or not getattr(actor, "pk", None):
        return False
    cache = demand.__dict__.setdefault("_elder_shown_to", {})
    if actor.pk not in cache:
        cache[actor.pk] = (is_demand_staff(actor, demand, Perm.DEMANDS_VIEW) or acts_for_demand(actor, demand)
                           or Assignment.objects.filter(demand=demand, volunteer=actor).exists())
    return cache[actor.pk]


def demands_visible_to(actor) -> QuerySet[Demand]:
    """Staff: demands at stations in reach. Members: what they serve, receive, published or act
    for, and the published demands of their branch."""
    q = scope_q(actor, Perm.DEMANDS_VIEW, "station__path")
    if getattr(actor, "pk", None):
        elder_ids = list(ProxyLink.objects.active().filter(proxy=actor).values_list("elder_id", flat=True))
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
    demands = filter_given(demands_visible_to(actor), status=status, service_type_id=type_id, station_id=station_id,
                           starts_at__gte=date_from, starts_at__lt=date_to)
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
class FeedType:
    pk: int
    code: str
    name: str
    name_en: str

    def display_name(self, language: str = "zh-hans") -> str:
        return self.name_en if language == "en" and self.name_en else self.name


@dataclass
class FeedStation:
    pk: int
    name: str


@dataclass
class FeedDemand:
    """What a feed card shows of a demand, read in the one feed query (no model instances)."""
    pk: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    latitude: float | None
    longitude: float | None
    headcount: int
    claimed_count: int
    payer: str
    address: str
    notes: str
    service_type: FeedType
    station: FeedStation

    @property
    def id(self) -> int:
        return self.pk

    @property
    def places_left(self) -> int:
        return max(0, self.headcount - self.claimed_count)


@dataclass
class FeedItem:
    demand: FeedDemand
    distance_m: float | None


def _in(values) -> str:
    return ", ".join(["%s"] * len(values))


FEED_DAYS = 31  # days ranked one by one; later demands simply follow in time order
METRES_PER_DEGREE = 111_320


def _feed_rows(volunteer: Person, *, branch_ids: list[int], held: set[str], now: dt.datetime, limit: int,
               type_id: int | None, date_from: dt.datetime | None, date_to: dt.datetime | None,
               near: tuple[float, float] | None, radius_m: float | None) -> list[tuple]:
    """The feed in one statement: the soonest FEED_CANDIDATES matches, walked in order on the
    (status, branch, starts_at) index, ranked by local day and then by distance, `limit` kept.
    Plain SQL, portable to SQLite: day boundaries (Asia/Shanghai midnights) and the flat-earth
    distance (fine at city scale) are computed from parameters, not database functions."""
    when = connection.ops.adapt_datetimefield_value
    where = [f"d.status = %s AND d.branch_id IN ({_in(branch_ids)}) AND d.starts_at > %s",
             "(d.elder_id IS NULL OR d.elder_id <> %s) AND (d.created_by_id IS NULL OR d.created_by_id <> %s)",
             "NOT EXISTS (SELECT 1 FROM demands_assignment a WHERE a.demand_id = d.id AND a.volunteer_id = %s"
             " AND a.status <> %s)",
             f"NOT EXISTS (SELECT 1 FROM demands_assignment b WHERE b.volunteer_id = %s"
             f" AND b.status IN ({_in(TIME_BLOCKING)}) AND b.starts_at < d.ends_at AND b.ends_at > d.starts_at)",
             "t.required_certificate IN (" + ", ".join(["''", *["%s"] * len(held)]) + ")"]
    params: list = [DemandStatus.PUBLISHED, *branch_ids, when(now), volunteer.pk, volunteer.pk, volunteer.pk,
                    AssignmentStatus.CANCELLED, volunteer.pk, *TIME_BLOCKING, *sorted(held)]
    if type_id:
        where.append("d.service_type_id = %s")
        params.append(type_id)
    if date_from:
        where.append("d.starts_at >= %s")
        params.append(when(date_from))
    if date_to:
        where.append("d.starts_at < %s")
        params.append(when(date_to))
    order_params: list = []
    distance = "0"
    if near is not None:
        lat0, lng0 = near
        squeeze = max(0.01, math.cos(math.radians(lat0)))
        distance = (f"((c.lat - {lat0!r}) * (c.lat - {lat0!r}) + (c.lng - {lng0!r}) * {squeeze!r}"
                    f" * (c.lng - {lng0!r}) * {squeeze!r})")
        if radius_m:
            reach = radius_m / METRES_PER_DEGREE
            where.append("COALESCE(d.latitude, s.latitude) BETWEEN %s AND %s"
                         " AND COALESCE(d.longitude, s.longitude) BETWEEN %s AND %s")
            params.extend([lat0 - reach, lat0 + reach, lng0 - reach / squeeze, lng0 + reach / squeeze])
    zone = timezone.get_current_timezone()
    today = now.astimezone(zone).date()
    midnights = [timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=i), dt.time()), zone)
                 for i in range(1, FEED_DAYS + 1)]
    day = "CASE " + " ".join(f"WHEN c.starts_at < %s THEN {i}" for i in range(FEED_DAYS)) + f" ELSE {FEED_DAYS} END"
    order_params.extend(when(m) for m in midnights)
    within = ""
    if near is not None and radius_m:
        within = f" WHERE c.lat IS NULL OR {distance} <= {(radius_m / METRES_PER_DEGREE) ** 2!r}"
    sql = (
        "SELECT c.* FROM (SELECT d.id, d.starts_at, COALESCE(d.latitude, s.latitude) AS lat,"
        " COALESCE(d.longitude, s.longitude) AS lng, d.ends_at, d.headcount, d.claimed_count, d.payer, d.address,"
        " d.notes, t.id AS type_id, t.code, t.name, t.name_en, s.id AS station_id, s.name AS station_name"
        " FROM demands_demand d JOIN demands_servicetype t ON t.id = d.service_type_id"
        " JOIN orgs_node s ON s.id = d.station_id"
        f" WHERE {' AND '.join(where)} ORDER BY d.starts_at, d.id LIMIT {FEED_CANDIDATES}) c{within}"
        f" ORDER BY {day}, CASE WHEN c.lat IS NULL THEN 1 ELSE 0 END, {distance + ', ' if near is not None else ''}"
        "c.starts_at, c.id"
        f" LIMIT {int(limit)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params + order_params)
        return cursor.fetchall()


def volunteer_feed(volunteer: Person, *, type_id: int | None = None, date_from: dt.datetime | None = None,
                   date_to: dt.datetime | None = None, near: tuple[float, float] | None = None,
                   radius_km: float | None = None, limit: int = 50) -> list[FeedItem]:
    """Published demands the volunteer can actually take: their branch, types whose certificate
    they hold, a place free, not their own, not overlapping their claims; soonest day first and
    nearest within a day. `near` defaults to the volunteer's home station."""
    if not is_active_volunteer(volunteer):
        return []
    branch_ids = volunteer_branch_ids(volunteer)
    if not branch_ids:
        return []
    if near is None and volunteer.node is not None and volunteer.node.latitude is not None:
        near = (volunteer.node.latitude, volunteer.node.longitude)
    rows = _feed_rows(volunteer, branch_ids=branch_ids, held=certificates_held(volunteer), now=timezone.now(),
                      limit=limit, type_id=type_id, date_from=date_from, date_to=date_to, near=near,
                      radius_m=radius_km * 1000 if radius_km else None)
    # The elder's name is not part of the feed: a volunteer learns it by taking the task.
    items = []
    for pk, starts_at, lat, lng, ends_at, headcount, claimed, payer, address, notes, *kind, station_id, station in rows:
        distance = distance_m(*near, lat, lng) if near is not None and lat is not None and lng is not None else None
        items.append(FeedItem(FeedDemand(pk, _aware(starts_at), _aware(ends_at), lat, lng, headcount, claimed, payer,
                                         address, notes, FeedType(*kind), FeedStation(station_id, station)), distance))
    return items


def _aware(value) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if timezone.is_naive(value) else value  # SQLite hands back naive UTC


@dataclass
class Candidate:
    volunteer: Person
    distance_m: float | None
    rating: float | None
    upcoming: int
    # The volunteer said they can do this kind of service / are usually free at that time.
    skilled: bool = False
    usually_free: bool = False

    @property
    def fit(self) -> int:
        return int(self.skilled) + int(self.usually_free)


def volunteers_for_demand(demand: Demand, *, limit: int = 30) -> list[Candidate]:
    """Volunteers who fit a demand (派单): first those who said they can do this kind of service and are
    usually free then, then nearest, best rated, least busy."""
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
    people = list(people)
    required, code, slot = demand.service_type.required_certificate, demand.service_type.code, slot_of(demand.starts_at)
    holders = _holders_of(required, [p.pk for p in people]) if required else None  # one query, not one a person
    out = []
    for person in people:
        if holders is not None and person.pk not in holders:
            continue
        home = person.node
        distance = (distance_m(*point, home.latitude, home.longitude)
                    if point and home is not None and home.latitude is not None else None)
        out.append(Candidate(person, distance, person.avg_rating, person.upcoming,
                             skilled=code in (person.skills or ()), usually_free=slot in (person.free_slots or ())))
    out.sort(key=lambda c: (-c.fit, c.distance_m if c.distance_m is not None else math.inf, -(c.rating or 0),
                            c.upcoming))
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




def may_manage_series(actor, series: DemandSeries) -> bool:
    """Station staff, whoever created the series, or the elder's side (the elder or a proxy)."""
    from timebank.people.selectors import can_act_for

    if actor is None or not getattr(actor, "pk", None):
        return False
    return (has_perm(actor, Perm.DEMANDS_MANAGE, series.station) or series.created_by_id == actor.pk
            or (series.elder_id is not None and can_act_for(actor, series.elder)))


def series_get(actor, series_id) -> DemandSeries:
    """A series the actor may see (station staff, its creator, the elder's side), or 404."""
    try:
        series = (DemandSeries.objects.select_related("station", "service_type", "elder", "created_by")
                  .get(pk=int(series_id)))
    except (DemandSeries.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if not (has_perm(actor, Perm.DEMANDS_VIEW, series.station) or may_manage_series(actor, series)):
        raise NotFound()
    return series


def series_upcoming(series: DemandSeries) -> QuerySet[Demand]:
    return (series.demands.filter(starts_at__gt=timezone.now()).exclude(status=DemandStatus.CANCELLED)
            .order_by("starts_at"))


def series_visible_to(actor) -> QuerySet[DemandSeries]:
    """Running series of the stations in the staff member's reach, for the board."""
    return (DemandSeries.objects.filter(scope_q(actor, Perm.DEMANDS_VIEW, "station__path"), cancelled_at__isnull=True,
                                        until__gte=timezone.localdate())
            .select_related("station", "service_type", "elder").order_by("station__path", "weekday", "start_time"))


def branch_volunteers(demand: Demand) -> QuerySet[Person]:
    """Approved volunteers of the demand's branch: whom staff may record or dispatch for it."""
    return Person.objects.filter(bank_id=demand.bank_id, is_volunteer=True, volunteer_status=VolunteerStatus.APPROVED,
                                 node__path__startswith=demand.branch.path).order_by("name")


def volunteer_by_tag(actor, tag: str) -> Person | None:
    """The approved volunteer of the actor's bank whose card or wristband this is, when the actor may
    manage demands where the volunteer lives or serves (home branch or a chosen area); else nobody."""
    person = (Person.objects.filter(bank_id=actor.bank_id, tag_id=tag, is_volunteer=True,
                                    volunteer_status=VolunteerStatus.APPROVED).select_related("node").first()
              if tag and actor.bank_id else None)
    if person is None:
        return None
    reachable = [person.node] if person.node else []
    reachable += [a.branch for a in VolunteerArea.objects.filter(person=person).select_related("branch")]
    return person if any(has_perm(actor, Perm.DEMANDS_MANAGE, node) for node in reachable) else None


def tasks_today_for_staff(actor, volunteer: Person) -> list[Assignment]:
    """The volunteer's places today (Asia/Shanghai) at the stations the actor manages."""
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time()))
    return list(Assignment.objects.filter(volunteer=volunteer, status__in=PLACE_HOLDING,
                                          starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1))
                .filter(scope_q(actor, Perm.DEMANDS_MANAGE, "demand__station__path"))
                .select_related("demand__service_type", "demand__station", "demand__elder").order_by("starts_at"))


# ---- offers (我能提供) ----------------------------------------------------------------------------

def offers_visible_to(actor) -> QuerySet[Offer]:
    """Staff: the offers at stations in reach (demands.view). A member: their own, and the offers still
    open in their home branch (what neighbours can do)."""
    q = scope_q(actor, Perm.DEMANDS_VIEW, "station__path")
    if getattr(actor, "pk", None):
        q |= Q(person=actor)
        branch_id = actor.node.parent_id if actor.node_id else None
        if branch_id:
            q |= Q(branch_id=branch_id, status=OfferStatus.ACTIVE)
    return Offer.objects.filter(q).select_related("service_type", "station", "person")


def offer_get(actor, offer_id) -> Offer:
    """An offer the actor may see, or 404."""
    try:
        offer_id = int(offer_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    offer = offers_visible_to(actor).filter(pk=offer_id).first()
    if offer is None:
        raise NotFound()
    return offer


def may_manage_offer(actor, offer: Offer) -> bool:
    """Station staff who may publish and dispatch there turn an offer into a request."""
    return has_perm(actor, Perm.DEMANDS_MANAGE, offer.station)


def offers_search(actor, *, query: str = "", status: str = "", type_id: int | None = None,
                  station_id: int | None = None, mine: bool = False) -> QuerySet[Offer]:
    """The offers list: search by the member (name, pinyin initials, last 4 digits of the phone) or the
    words of the offer; filters by status, kind of service and station."""
    offers = offers_visible_to(actor)
    if mine:
        offers = offers.filter(person=actor)
    query = (query or "").strip()[:40]
    if query:
        q = Q(description__icontains=query) | Q(person__name__icontains=query)
        if query.isascii() and query.isalpha():
            q |= Q(person__name_initials__startswith=query.lower())
        if query.isdigit() and len(query) == 4:
            q |= Q(person__mobile__endswith=query)
        offers = offers.filter(q)
    return filter_given(offers, status=status, service_type_id=type_id, station_id=station_id).order_by(
        "-created_at", "-id")


def offer_requests(offer: Offer) -> QuerySet[Demand]:
    """The requests made from an offer, newest first."""
    return (Demand.objects.filter(from_offer__offer=offer).select_related("service_type", "elder", "station")
            .order_by("-from_offer__created_at", "-id"))


def offer_shown(actor, offer: Offer) -> Offer:
    """The offer as this actor sees it: the member's full name and the requests made from it for staff
    in reach and the member themself; a masked name (张*) for the neighbours."""
    close = offer.person_id == getattr(actor, "pk", None) or has_perm(actor, Perm.DEMANDS_VIEW, offer.station)
    offer.person_name = offer.person.name if close else mask_name(offer.person.name)
    offer.person_id_shown = offer.person_id if close else None
    offer.request_ids = list(offer.requests.values_list("demand_id", flat=True)) if close else []
    offer.close_to_actor = close
    return offer


def paper_sheet_rows(station: Node, day: dt.date) -> list:
    """The rows of a station's sign sheet for `day` (as the day sheet prints them): each volunteer holding
    a place on a task that starts that day, in time order. The caller has checked the station is in reach."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    return list(Assignment.objects.filter(demand__station=station, demand__starts_at__gte=start,
                                          demand__starts_at__lt=start + dt.timedelta(days=1))
                .exclude(status=AssignmentStatus.CANCELLED)
                .exclude(demand__status__in=[DemandStatus.CANCELLED, DemandStatus.DRAFT])
                .select_related("demand__service_type", "demand__elder", "volunteer")
                .order_by("demand__starts_at", "demand_id", "id")[:500])


# ---- 跨区兑换: services booked in another bank of the platform, paid with the elder's own coins ----------

def elders_booking_for(actor) -> list[Person]:
    """The elders a member books for on their own pages: themselves and whom they are a proxy for."""
    from timebank.people.access import SELF_OR_PROXY, elders_in_reach

    return list(elders_in_reach(actor, for_=SELF_OR_PROXY).filter(is_elder=True).order_by("name"))


def banks_elsewhere(elders) -> list[Node]:
    """The other banks of the platform where these elders (a member's own, or those they act for) may
    book a service paid with their coins: both banks' rules allow it (`LedgerRules.redeem_across_banks`)."""
    from timebank.ledger.models import LedgerRules

    elders = [e for e in elders if e.bank_id]
    own = {e.bank_id: e.bank for e in elders}
    if not own or not all(LedgerRules.in_force(bank).redeem_across_banks for bank in own.values()):
        return []
    platforms = {bank.parent_id for bank in own.values()}
    banks = Node.objects.filter(kind=NodeKind.BANK, parent_id__in=platforms, is_closed=False).order_by("path")
    if len(own) == 1:
        banks = banks.exclude(pk__in=own)
    return [bank for bank in banks if LedgerRules.in_force(bank).redeem_across_banks]


def stations_of_bank(bank: Node) -> QuerySet[Node]:
    """A bank's open stations, for choosing where to book (names only)."""
    return (Node.objects.filter(bank=bank, kind=NodeKind.STATION, is_closed=False).select_related("parent")
            .order_by("path"))


def visiting_elder(actor, mobile: str, id_number: str) -> Person:
    """An elder of another bank of the actor's platform who came to the actor's station: found only by
    their mobile number together with their resident ID number (the card shown at the counter), and
    only by staff who publish demands. Anything else is a 404; the caller shows the name masked."""
    from timebank.lib.field_crypto import lookup_hash
    from timebank.lib.mobile import normalise_mobile
    from timebank.lib.resident_id import normalise

    number, card = normalise_mobile(mobile or ""), normalise(id_number or "")
    bank = getattr(actor, "bank", None)
    if not number or len(card) != 18 or bank is None or not has_perm(actor, Perm.DEMANDS_MANAGE):
        raise NotFound()
    elder = (Person.objects.select_related("bank", "node")
             .filter(mobile=number, id_number_hash=lookup_hash(card), is_elder=True, status=PersonStatus.ACTIVE,
                     bank__parent_id=bank.parent_id).exclude(bank=bank).first())
    if elder is None:
        raise NotFound()
    return elder
