"""The figures of node-days computed from the raw rows (people, demands, assignments, transfers):
what the rollups must equal. Used to recompute a dirty node-day, to roll up new transfers, and by
the nightly reconciliation. Days are local days in Asia/Shanghai."""
import datetime as dt
import zoneinfo
from collections import defaultdict

from django.db.models import Case, Count, F, IntegerField, Min, Q, Sum, When
from django.db.models.functions import Coalesce, TruncDate

from timebank.demands.models import Assignment, AssignmentStatus, Demand, DemandStatus
from timebank.ledger.models import AccountKind, Currency, Transfer, TransferKind, TransferStatus
from timebank.people.models import Person, VolunteerStatus

from .models import COIN_COLUMNS, SERVICE_COLUMNS

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

# Person-times served: the elder's side (or the worker) confirmed the service.
SERVED = (AssignmentStatus.CONFIRMED, AssignmentStatus.CREDITED)
# Places that should have been served once the day came: everything but a withdrawn claim and
# a claim still waiting for its day.
DUE = (AssignmentStatus.CHECKED_IN, AssignmentStatus.DONE, AssignmentStatus.DISPUTED, AssignmentStatus.CONFIRMED,
       AssignmentStatus.CREDITED, AssignmentStatus.NO_SHOW, AssignmentStatus.REJECTED)
DONATED_KINDS = (TransferKind.DONATION, TransferKind.OVERFLOW)

Key = tuple[int, dt.date]  # (node id, local day)


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=SHANGHAI)


def local_day(moment: dt.datetime | dt.date) -> dt.date:
    if isinstance(moment, dt.datetime):
        return moment.astimezone(SHANGHAI).date()
    return moment


def _as_date(value) -> dt.date:
    # SQLite returns TruncDate as a string in some versions; PostgreSQL as a date.
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _between(field: str, day_from: dt.date | None, day_to: dt.date | None) -> Q:
    q = Q()
    if day_from is not None:
        q &= Q(**{f"{field}__gte": day_start(day_from)})
    if day_to is not None:
        q &= Q(**{f"{field}__lt": day_start(day_to + dt.timedelta(days=1))})
    return q


def _among(field: str, ids) -> Q:
    """`field` in `ids`, or no condition when `ids` is None."""
    return Q(**{f"{field}__in": list(ids)}) if ids is not None else Q()


def service_figures(*, bank_id: int, day_from: dt.date | None = None, day_to: dt.date | None = None,
                    node_ids=None) -> tuple[dict[Key, dict[str, int]], dict[tuple[int, dt.date, int], list[int]]]:
    """({(node, day): {column: value}}, {(node, day, service type): [services, minutes]}) for the
    service columns, from people, demands and assignments."""
    figures: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SERVICE_COLUMNS, 0))
    by_type: dict[tuple[int, dt.date, int], list[int]] = {}

    people = (Person.objects.filter(_between("created_at", day_from, day_to), _among("node_id", node_ids),
                                    bank_id=bank_id, node__isnull=False)
              .annotate(day=TruncDate("created_at", tzinfo=SHANGHAI)).values("node_id", "day")
              .annotate(elders=Count("id", filter=Q(is_elder=True))).filter(elders__gt=0))
    for row in people:
        figures[(row["node_id"], _as_date(row["day"]))]["elders_new"] += row["elders"]
    # A volunteer is a new provider on the day they were approved (registration, or approval later).
    volunteers = (Person.objects.filter(_between("volunteer_since", day_from, day_to), _among("node_id", node_ids),
                                        bank_id=bank_id, node__isnull=False, is_volunteer=True,
                                        volunteer_status=VolunteerStatus.APPROVED)
                  .annotate(day=TruncDate("volunteer_since", tzinfo=SHANGHAI)).values("node_id", "day")
                  .annotate(volunteers=Count("id")))
    for row in volunteers:
        figures[(row["node_id"], _as_date(row["day"]))]["volunteers_new"] += row["volunteers"]

    demands = (Demand.objects.filter(_between("starts_at", day_from, day_to), _among("station_id", node_ids),
                                     bank_id=bank_id, published_at__isnull=False)
               .exclude(status=DemandStatus.CANCELLED)
               .annotate(day=TruncDate("starts_at", tzinfo=SHANGHAI), first_claim=Min("assignments__claimed_at"))
               .values_list("station_id", "day", "status", "claimed_count", "headcount", "published_at", "first_claim"))
    for station_id, day, status, claimed, headcount, published_at, first_claim in demands.iterator(chunk_size=5000):
        cell = figures[(station_id, _as_date(day))]
        cell["demands_published"] += 1
        cell["places_requested"] += headcount
        if status == DemandStatus.EXPIRED:
            cell["demands_expired"] += 1
        elif 0 < claimed < headcount:
            cell["demands_partly_filled"] += 1
        if first_claim is not None:
            cell["claims_first"] += 1
            cell["claim_wait_minutes"] += max(0, int((first_claim - published_at).total_seconds() // 60))

    served = Q(status__in=SERVED)
    assignments = (Assignment.objects.filter(_between("starts_at", day_from, day_to),
                                             _among("demand__station_id", node_ids), demand__bank_id=bank_id)
                   .annotate(day=TruncDate("starts_at", tzinfo=SHANGHAI))
                   .values("demand__station_id", "day", "demand__service_type_id")
                   .annotate(services=Count("id", filter=served),
                             minutes=Coalesce(Sum("served_minutes", filter=served), 0, output_field=IntegerField()),
                             due=Count("id", filter=Q(status__in=DUE)),
                             no_shows=Count("id", filter=Q(status=AssignmentStatus.NO_SHOW)),
                             ratings=Count("rating"),
                             rating_sum=Coalesce(Sum("rating"), 0, output_field=IntegerField())))
    for row in assignments:
        key = (row["demand__station_id"], _as_date(row["day"]))
        if not (row["services"] or row["due"] or row["ratings"]):
            continue
        cell = figures[key]
        cell["services"] += row["services"]
        cell["served_minutes"] += row["minutes"]
        cell["assignments_due"] += row["due"]
        cell["no_shows"] += row["no_shows"]
        cell["ratings"] += row["ratings"]
        cell["rating_sum"] += row["rating_sum"]
        if row["services"]:
            by_type[(*key, row["demand__service_type_id"])] = [row["services"], row["minutes"]]
    return {k: v for k, v in figures.items() if any(v.values())}, by_type


def _home(side: str):
    """A member's home station, while they belong to the transfer's bank (a member who moved to another
    bank counts at the old bank itself for what still moves on their old account there)."""
    return Case(When(**{f"{side}__owner__bank_id": F("bank_id")}, then=F(f"{side}__owner__node_id")))


def coin_figures(*, bank_id: int, after_id: int = 0, up_to_id: int | None = None, day_from: dt.date | None = None,
                 day_to: dt.date | None = None, account_ids=None) -> dict[Key, dict[str, int]]:
    """{(node, day): {coin column: minutes}} from posted time-coin transfers with after_id < id ≤ up_to_id.
    A member's movement counts at their current home station; a system account's at its own node.
    With `account_ids`, only those accounts' sides of their transfers (one member's contribution)."""
    figures: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COIN_COLUMNS, 0))
    posted = Transfer.objects.filter(_between("created_at", day_from, day_to), bank_id=bank_id,
                                     status=TransferStatus.POSTED, currency=Currency.TIME, id__gt=after_id)
    if up_to_id is not None:
        posted = posted.filter(id__lte=up_to_id)
    posted = posted.annotate(day=TruncDate("created_at", tzinfo=SHANGHAI))

    credits = (posted.annotate(side=Coalesce(_home("credit"), "credit__node_id", "bank_id"))
               .filter(_among("credit_id", account_ids)).values("side", "day", "credit__kind", "debit__kind")
               .annotate(total=Sum("amount")))
    for row in credits:
        cell = figures[(row["side"], _as_date(row["day"]))]
        if row["credit__kind"] == AccountKind.MEMBER:
            cell["members_in"] += row["total"]
        if row["debit__kind"] == AccountKind.ISSUANCE:
            cell["coins_issued"] += row["total"]

    debits = (posted.annotate(side=Coalesce(_home("debit"), "debit__node_id", "bank_id"))
              .filter(_among("debit_id", account_ids)).values("side", "day", "debit__kind", "kind").annotate(total=Sum("amount")))
    for row in debits:
        cell = figures[(row["side"], _as_date(row["day"]))]
        if row["debit__kind"] == AccountKind.MEMBER:
            cell["members_out"] += row["total"]
        if row["kind"] == TransferKind.REDEMPTION:
            cell["coins_redeemed"] += row["total"]
        elif row["kind"] in DONATED_KINDS:
            cell["coins_donated"] += row["total"]
    return {k: v for k, v in figures.items() if any(v.values())}


ACTIVE_WINDOWS = (30, 90)


def activity_figures(*, bank_id: int, day_from: dt.date | None = None, day_to: dt.date | None = None,
                     node_ids=None) -> dict[Key, dict]:
    """{(home station, day): {"volunteers_active_30", "volunteers_active_90", "active_cohorts"}} for the
    days in [day_from, day_to]: how many volunteers of the station served (a confirmed service) in the
    30 and 90 days up to that day, the latter by the month they became a volunteer."""
    first_serve = None if day_from is None else day_from - dt.timedelta(days=max(ACTIVE_WINDOWS) - 1)
    served = (Assignment.objects.filter(_between("starts_at", first_serve, day_to), _among("volunteer__node_id", node_ids),
                                        demand__bank_id=bank_id, status__in=SERVED, volunteer__node__isnull=False)
              .annotate(day=TruncDate("starts_at", tzinfo=SHANGHAI),
                        joined=Coalesce("volunteer__volunteer_since", "volunteer__created_at"))
              .values_list("volunteer__node_id", "volunteer_id", "joined", "day").distinct())
    days_served: dict[tuple[int, int], list[dt.date]] = defaultdict(list)
    cohort_of: dict[int, str] = {}
    for node_id, volunteer_id, joined, day in served.order_by().iterator(chunk_size=10000):
        days_served[(node_id, volunteer_id)].append(_as_date(day))
        cohort_of[volunteer_id] = joined.astimezone(SHANGHAI).strftime("%Y-%m")
    # Per node and window: +1 / −1 where each volunteer's merged active spells start and end.
    changes: dict[int, dict[dt.date, dict]] = defaultdict(lambda: defaultdict(lambda: {30: 0, 90: 0, "c": {}}))
    for (node_id, volunteer_id), days in days_served.items():
        days.sort()
        for window in ACTIVE_WINDOWS:
            spells: list[list[dt.date]] = []
            for day in days:
                end = day + dt.timedelta(days=window - 1)
                if spells and day <= spells[-1][1] + dt.timedelta(days=1):
                    spells[-1][1] = max(spells[-1][1], end)
                else:
                    spells.append([day, end])
            for start, end in spells:
                after = end + dt.timedelta(days=1)
                changes[node_id][start][window] += 1
                changes[node_id][after][window] -= 1
                if window == 90:
                    cohort = cohort_of[volunteer_id]
                    for moment, step in ((start, 1), (after, -1)):
                        bucket = changes[node_id][moment]["c"]
                        bucket[cohort] = bucket.get(cohort, 0) + step
    figures: dict[Key, dict] = {}
    for node_id, by_day in changes.items():
        running = {30: 0, 90: 0}
        cohorts: dict[str, int] = {}
        moments = sorted(by_day)
        for i, moment in enumerate(moments):
            step = by_day[moment]
            running[30] += step[30]
            running[90] += step[90]
            for cohort, n in step["c"].items():
                cohorts[cohort] = cohorts.get(cohort, 0) + n
            until = moments[i + 1] if i + 1 < len(moments) else moment
            day = moment
            while day < until or day == moment:
                inside = (day_from is None or day >= day_from) and (day_to is None or day <= day_to)
                if inside and running[90]:
                    figures[(node_id, day)] = {"volunteers_active_30": running[30], "volunteers_active_90": running[90],
                                               "active_cohorts": {c: n for c, n in sorted(cohorts.items()) if n}}
                day += dt.timedelta(days=1)
                if day >= until:
                    break
    return figures
