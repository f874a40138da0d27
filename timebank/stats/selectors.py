"""Every figure of the statistics, defined once and scoped to the actor's subtree: the dashboard,
its exports, the monthly PDF and the API all call these. Additive figures read the daily rollups
(rows ≈ nodes × days); only the figures that need distinct people read raw rows, by index."""
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from timebank.demands.models import Assignment, ServiceCategory, ServiceType
from timebank.lib.errors import NotFound
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, nodes_with
from timebank.teams.models import Team, TeamClaim

from .exceptions import BucketInvalid, MetricUnknown, PeriodInvalid
from .models import COLUMNS, NodeDayRollup, NodeDayServiceRollup
from .rollups import SERVED, day_start

PERIODS = ("day", "week", "month", "year", "custom")
BUCKETS = ("day", "week", "month")
MAX_DAYS = 366 * 5

# Metrics of the time series: every additive rollup column, plus hours served.
METRICS: dict[str, str] = {
    "services": "services", "served_minutes": "served_minutes", "elders_new": "elders_new",
    "volunteers_new": "volunteers_new", "demands_published": "demands_published",
    "demands_expired": "demands_expired", "demands_partly_filled": "demands_partly_filled", "no_shows": "no_shows",
    "coins_issued": "coins_issued", "coins_redeemed": "coins_redeemed", "coins_donated": "coins_donated",
    "ratings": "ratings",
}


@dataclass(frozen=True)
class Period:
    date_from: dt.date
    date_to: dt.date  # inclusive
    kind: str = "custom"

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1


def _parse_date(value, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        raise PeriodInvalid(code="date_invalid", detail={"field": field, "value": str(value)[:40]}) from None


def period_from(*, kind: str | None = "month", day=None, date_from=None, date_to=None) -> Period:
    """The period a request names: day / week (Monday–Sunday) / month / year around `day` (today
    by default), or custom `date_from`..`date_to` (inclusive). Bad dates are a 422, never a 500."""
    kind = kind or "month"
    if kind not in PERIODS:
        raise PeriodInvalid(code="period_invalid", detail={"period": str(kind)[:20], "allowed": list(PERIODS)})
    if kind == "custom":
        if not date_from or not date_to:
            raise PeriodInvalid(code="date_invalid", detail={"field": "from/to"})
        start, end = _parse_date(date_from, "from"), _parse_date(date_to, "to")
        if start > end:
            raise PeriodInvalid(code="range_invalid", detail={"from": start.isoformat(), "to": end.isoformat()})
        if (end - start).days > MAX_DAYS:
            raise PeriodInvalid(code="range_too_long", detail={"max_days": MAX_DAYS})
        return Period(start, end, kind)
    anchor = _parse_date(day, "day") if day else timezone.localdate()
    if kind == "day":
        return Period(anchor, anchor, kind)
    if kind == "week":
        start = anchor - dt.timedelta(days=anchor.weekday())
        return Period(start, start + dt.timedelta(days=6), kind)
    if kind == "month":
        start = anchor.replace(day=1)
        return Period(start, _month_end(start), kind)
    return Period(anchor.replace(month=1, day=1), anchor.replace(month=12, day=31), kind)


def _month_end(start: dt.date) -> dt.date:
    following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def month_period(month: str) -> Period:
    """'YYYY-MM' as a period."""
    try:
        start = dt.datetime.strptime(str(month).strip(), "%Y-%m").date()
    except (TypeError, ValueError):
        raise PeriodInvalid(code="date_invalid", detail={"field": "month", "value": str(month)[:20]}) from None
    return Period(start, _month_end(start), "month")


# ---- scope ------------------------------------------------------------------------------------

def stats_home_node(actor) -> Node:
    """The highest node where the actor may read statistics (their default view)."""
    for top in nodes_with(actor, Perm.STATS_VIEW):
        if top.kind != NodeKind.PLATFORM:
            return top
        bank = Node.objects.filter(parent=top, kind=NodeKind.BANK, is_closed=False).order_by("path").first()
        if bank is not None:  # a platform admin starts at the first bank
            return bank
    raise NotFound()


def stats_node_get(actor, node_id) -> Node:
    """A node whose statistics the actor may read, or 404 (never a hint that it exists elsewhere)."""
    if node_id in (None, ""):
        return stats_home_node(actor)
    try:
        node = Node.objects.select_related("parent", "bank").get(pk=int(node_id))
    except (Node.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound() from None
    _require(actor, node)
    return node


def _require(actor, node: Node) -> None:
    if node.kind == NodeKind.PLATFORM or not has_perm(actor, Perm.STATS_VIEW, node):
        raise NotFound()


def breadcrumbs(actor, node: Node) -> list[Node]:
    """The node's ancestors the actor may also read, top first, then the node."""
    ids = [int(x) for x in node.path.strip("/").split("/") if x]
    chain = {n.pk: n for n in Node.objects.filter(pk__in=ids)}
    return [chain[i] for i in ids if i in chain and chain[i].kind != NodeKind.PLATFORM
            and has_perm(actor, Perm.STATS_VIEW, chain[i])]


def children_of(actor, node: Node) -> list[Node]:
    _require(actor, node)
    return list(Node.objects.filter(parent=node).order_by("path"))


# ---- the rollups ------------------------------------------------------------------------------

def _rollups(node: Node):
    if node.kind == NodeKind.BANK:
        return NodeDayRollup.objects.filter(bank_id=node.pk)  # no join: the bank's own index
    return NodeDayRollup.objects.filter(node_id__in=_subtree_ids(node))


def _subtree_ids(node: Node) -> list[int]:
    if not hasattr(node, "_subtree_ids"):
        node._subtree_ids = list(Node.objects.filter(path__startswith=node.path).values_list("pk", flat=True))
    return node._subtree_ids


def _memo(node: Node, key: tuple, compute):
    """Inside `summary`, a sum several figures read is computed once (the memo lives on the node
    object for the duration of that call only); a figure asked for alone is always fresh."""
    memo = node.__dict__.get("_stats_memo")
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _sums(node: Node, columns, date_from: dt.date | None, date_to: dt.date) -> dict[str, int]:
    """Every additive column summed over the subtree and the days (all days up to `date_to` when
    `date_from` is None), in one query however many figures read it."""

    def compute():
        if date_from is None:  # everything up to the day: the per-node totals, added up
            by_node = _cumulative_by_node(node, date_to).values()
            return {c: sum(row[c] for row in by_node) for c in CUMULATIVE}
        totals = (_rollups(node).filter(day__gte=date_from, day__lte=date_to)
                  .aggregate(**{c: Coalesce(Sum(c), 0) for c in COLUMNS}))
        return {c: int(totals[c] or 0) for c in COLUMNS}

    totals = _memo(node, ("sums", date_from, date_to), compute)
    return {c: totals[c] for c in columns}


# The figures that are totals "since the beginning" (people registered, coins held).
CUMULATIVE = ("elders_new", "volunteers_new", "members_in", "members_out")


def _cumulative_by_node(node: Node, date_to: dt.date) -> dict[int, dict[str, int]]:
    """{node id: the CUMULATIVE columns summed over every day up to `date_to`}: one pass over the
    subtree's rows, shared by the totals and the comparison of children."""

    def compute():
        rows = (_rollups(node).filter(day__lte=date_to).values("node_id")
                .annotate(**{c: Sum(c) for c in CUMULATIVE}))
        return {r["node_id"]: {c: int(r[c] or 0) for c in CUMULATIVE} for r in rows}

    return _memo(node, ("cumulative", date_to), compute)


def _ratio(part: int, whole: int, digits: int = 1) -> float | None:
    return round(100 * part / whole, digits) if whole else None


def registered_people(*, actor, node: Node, date_from: dt.date, date_to: dt.date) -> dict[str, int]:
    """Registered demanders (elders) and providers (approved volunteers): new in the period and
    total at its end."""
    _require(actor, node)
    new = _sums(node, ["elders_new", "volunteers_new"], date_from, date_to)
    total = _sums(node, ["elders_new", "volunteers_new"], None, date_to)
    return {"elders_new": new["elders_new"], "elders_total": total["elders_new"],
            "volunteers_new": new["volunteers_new"], "volunteers_total": total["volunteers_new"]}


def teams_count(*, actor, node: Node, date_to: dt.date) -> int:
    """Service teams of the subtree open at the end of the period."""
    _require(actor, node)
    end = day_start(date_to + dt.timedelta(days=1))
    return (Team.objects.filter(node__path__startswith=node.path, created_at__lt=end)
            .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=end)).count())


def services_served(*, actor, node: Node, date_from: dt.date, date_to: dt.date) -> dict[str, int]:
    """Person-times served (confirmed services) and minutes served in the period."""
    _require(actor, node)
    sums = _sums(node, ["services", "served_minutes"], date_from, date_to)
    return {"person_times": sums["services"], "served_minutes": sums["served_minutes"]}


def coins(*, actor, node: Node, date_from: dt.date, date_to: dt.date) -> dict[str, int]:
    """Time coins (minutes) issued, redeemed and donated in the period, and outstanding — what the
    members of the subtree hold at the period's end: the bank's liability (as the ledger's
    liability report counts it: posted credits − posted debits of member accounts)."""
    _require(actor, node)
    flows = _sums(node, ["coins_issued", "coins_redeemed", "coins_donated"], date_from, date_to)
    held = _sums(node, ["members_in", "members_out"], None, date_to)
    return {"issued": flows["coins_issued"], "redeemed": flows["coins_redeemed"], "donated": flows["coins_donated"],
            "outstanding": held["members_in"] - held["members_out"]}


def services_by_type(*, actor, node: Node, date_from: dt.date, date_to: dt.date, language: str = "zh-hans") -> list[dict]:
    """Person-times and minutes served per service type, most served first."""
    _require(actor, node)
    rows = NodeDayServiceRollup.objects.filter(day__gte=date_from, day__lte=date_to)
    rows = rows.filter(bank_id=node.pk) if node.kind == NodeKind.BANK else rows.filter(node_id__in=_subtree_ids(node))
    rows = _memo(node, ("types", date_from, date_to), lambda: list(
        rows.values("service_type_id").annotate(services=Sum("services"), minutes=Sum("served_minutes"))))
    types = {t.pk: t for t in ServiceType.objects.filter(pk__in=[r["service_type_id"] for r in rows])}
    out = [{"code": types[r["service_type_id"]].code, "name": types[r["service_type_id"]].display_name(language),
            "category": types[r["service_type_id"]].category, "services": r["services"], "served_minutes": r["minutes"]}
           for r in rows]
    return sorted(out, key=lambda r: (-r["services"], -r["served_minutes"], r["code"]))


def services_by_category(*, actor, node: Node, date_from: dt.date, date_to: dt.date) -> list[dict]:
    """Person-times and minutes served per service category, most served first."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in services_by_type(actor=actor, node=node, date_from=date_from, date_to=date_to):
        totals[row["category"]][0] += row["services"]
        totals[row["category"]][1] += row["served_minutes"]
    labels = dict(ServiceCategory.choices)
    out = [{"category": c, "name": str(labels.get(c, c)), "services": s, "served_minutes": m}
           for c, (s, m) in totals.items()]
    return sorted(out, key=lambda r: (-r["services"], r["category"]))


def unmet_demand(*, actor, node: Node, date_from: dt.date, date_to: dt.date) -> dict:
    """Demands of the period (by the day they were for), how many expired unclaimed or were only
    partly filled, and the average minutes from publishing to the first claim."""
    _require(actor, node)
    s = _sums(node, ["demands_published", "demands_expired", "demands_partly_filled", "places_requested",
                     "claims_first", "claim_wait_minutes"], date_from, date_to)
    unmet = s["demands_expired"] + s["demands_partly_filled"]
    return {"demands": s["demands_published"], "expired": s["demands_expired"],
            "partly_filled": s["demands_partly_filled"], "unmet": unmet,
            "unmet_percent": _ratio(unmet, s["demands_published"]), "places_requested": s["places_requested"],
            "avg_minutes_to_claim": round(s["claim_wait_minutes"] / s["claims_first"]) if s["claims_first"] else None}


def no_show_rate(*, actor, node: Node, date_from: dt.date, date_to: dt.date) -> dict:
    """No-shows among the places that were due to be served in the period."""
    _require(actor, node)
    s = _sums(node, ["no_shows", "assignments_due"], date_from, date_to)
    return {"no_shows": s["no_shows"], "due": s["assignments_due"], "percent": _ratio(s["no_shows"], s["assignments_due"])}


def average_rating(*, actor, node: Node, date_from: dt.date, date_to: dt.date) -> dict:
    """The elders' average rating (1–5) of the period's services."""
    _require(actor, node)
    s = _sums(node, ["ratings", "rating_sum"], date_from, date_to)
    return {"ratings": s["ratings"], "average": round(s["rating_sum"] / s["ratings"], 2) if s["ratings"] else None}


# ---- figures of distinct people (raw rows, by index) ---------------------------------------------

def _served_in(node: Node, start: dt.date, end: dt.date):
    served = Assignment.objects.filter(status__in=SERVED, starts_at__gte=day_start(start),
                                       starts_at__lt=day_start(end + dt.timedelta(days=1)))
    if node.kind == NodeKind.BANK:
        return served.filter(demand__bank_id=node.pk)
    return served.filter(demand__station_id__in=_subtree_ids(node))


def _activity_day(date_to: dt.date) -> dt.date:
    return min(date_to, timezone.localdate())


def _activity(node: Node, day: dt.date) -> dict:
    def compute():
        totals = {"days_30": 0, "days_90": 0, "cohorts": defaultdict(int)}
        for a30, a90, cohorts in (_rollups(node).filter(day=day)
                                  .values_list("volunteers_active_30", "volunteers_active_90", "active_cohorts")):
            totals["days_30"] += a30
            totals["days_90"] += a90
            for month, n in (cohorts or {}).items():
                totals["cohorts"][month] += n
        return totals

    return _memo(node, ("activity", day), compute)


def active_volunteers(*, actor, node: Node, date_to: dt.date) -> dict[str, int]:
    """Volunteers of the subtree (by home station) who served — a confirmed service — in the 30 and
    90 days up to the period's end (or today, if the period ends later)."""
    _require(actor, node)
    totals = _activity(node, _activity_day(date_to))
    return {"days_30": totals["days_30"], "days_90": totals["days_90"]}


def retention_by_join_month(*, actor, node: Node, date_to: dt.date, months: int = 12) -> list[dict]:
    """For the volunteers who joined in each of the last `months` months: how many joined, and how
    many of them served in the 90 days up to the period's end (or today)."""
    _require(actor, node)
    first = date_to.replace(day=1)
    for _step in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    joined = defaultdict(int)
    for day, n in (_rollups(node).filter(day__gte=first, day__lte=date_to, volunteers_new__gt=0)
                   .values_list("day", "volunteers_new")):
        joined[day.strftime("%Y-%m")] += n
    active = _activity(node, _activity_day(date_to))["cohorts"]
    out, month = [], first
    while month <= date_to:
        key = month.strftime("%Y-%m")
        out.append({"month": key, "joined": joined[key], "active_90_days": active.get(key, 0),
                    "percent": _ratio(active.get(key, 0), joined[key])})
        month = _month_end(month) + dt.timedelta(days=1)
    return out


def top_volunteers(*, actor, node: Node, date_from: dt.date, date_to: dt.date, limit: int = 10) -> list[dict]:
    """The volunteers with the most minutes served in the period (name and station, no contact data)."""
    _require(actor, node)
    rows = (_served_in(node, date_from, date_to).values("volunteer_id", "volunteer__name", "volunteer__node__name")
            .annotate(services=Count("id"), minutes=Coalesce(Sum("served_minutes"), 0))
            .order_by("-minutes", "-services", "volunteer_id")[:limit])
    return [{"id": r["volunteer_id"], "name": r["volunteer__name"], "station": r["volunteer__node__name"] or "",
             "services": r["services"], "served_minutes": r["minutes"]} for r in rows]


def top_teams(*, actor, node: Node, date_from: dt.date, date_to: dt.date, limit: int = 10) -> list[dict]:
    """The teams whose members served the most minutes in the period through team claims."""
    _require(actor, node)
    served = _served_in(node, date_from, date_to).values("pk")
    rows = (TeamClaim.objects.filter(assignment__in=served)
            .values("team_id", "team__name", "team__node__name")
            .annotate(services=Count("id"), minutes=Coalesce(Sum("assignment__served_minutes"), 0))
            .order_by("-minutes", "-services", "team_id")[:limit])
    return [{"id": r["team_id"], "name": r["team__name"], "unit": r["team__node__name"], "services": r["services"],
             "served_minutes": r["minutes"]} for r in rows]


# ---- series and comparisons ---------------------------------------------------------------------

def _bucket_start(day: dt.date, bucket: str) -> dt.date:
    if bucket == "week":
        return day - dt.timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def timeseries(*, actor, node: Node, metric: str, date_from: dt.date, date_to: dt.date,
               bucket: str = "day") -> list[dict]:
    """One additive figure per day, week (from Monday) or month; every bucket present, zeros included."""
    _require(actor, node)
    if metric not in METRICS:
        raise MetricUnknown(detail={"metric": str(metric)[:40], "allowed": sorted(METRICS)})
    if bucket not in BUCKETS:
        raise BucketInvalid(detail={"bucket": str(bucket)[:20], "allowed": list(BUCKETS)})
    column = METRICS[metric]
    per_day = dict(_rollups(node).filter(day__gte=date_from, day__lte=date_to).order_by().values("day")
                   .annotate(v=Sum(column)).values_list("day", "v"))
    buckets: dict[dt.date, int] = {}
    day = date_from
    while day <= date_to:
        start = _bucket_start(day, bucket)
        buckets[start] = buckets.get(start, 0) + int(per_day.get(day) or 0)
        day += dt.timedelta(days=1)
    return [{"start": start.isoformat(), "value": value} for start, value in buckets.items()]


def auto_bucket(period: Period) -> str:
    return "day" if period.days <= 62 else ("week" if period.days <= 190 else "month")


def children_comparison(*, actor, node: Node, date_from: dt.date, date_to: dt.date) -> list[dict]:
    """The node's children side by side (branches of a bank, stations of a branch)."""
    children = children_of(actor, node)
    if not children:
        return []
    paths = dict(Node.objects.filter(pk__in=_subtree_ids(node)).values_list("pk", "path"))
    period = (_rollups(node).filter(day__gte=date_from, day__lte=date_to).values("node_id")
              .annotate(services=Sum("services"), minutes=Sum("served_minutes"), issued=Sum("coins_issued"),
                        expired=Sum("demands_expired"), demands=Sum("demands_published")))
    ever = _cumulative_by_node(node, date_to)
    rows = {child.pk: {"id": child.pk, "name": child.name, "kind": child.kind, "is_closed": child.is_closed,
                       "person_times": 0, "served_minutes": 0, "coins_issued": 0, "demands": 0, "expired": 0,
                       "elders_total": 0, "volunteers_total": 0, "outstanding": 0} for child in children}
    child_of = {}
    for node_id, path in paths.items():
        child_of[node_id] = next((c.pk for c in children if path.startswith(c.path)), None)
    for r in period:
        row = rows.get(child_of.get(r["node_id"]))
        if row is not None:
            row["person_times"] += r["services"] or 0
            row["served_minutes"] += r["minutes"] or 0
            row["coins_issued"] += r["issued"] or 0
            row["demands"] += r["demands"] or 0
            row["expired"] += r["expired"] or 0
    for node_id, r in ever.items():
        row = rows.get(child_of.get(node_id))
        if row is not None:
            row["elders_total"] += r["elders_new"]
            row["volunteers_total"] += r["volunteers_new"]
            row["outstanding"] += r["members_in"] - r["members_out"]
    return [rows[child.pk] for child in children]


# ---- everything at once -----------------------------------------------------------------------------

def summary(*, actor, node: Node, date_from: dt.date, date_to: dt.date, language: str = "zh-hans",
            rankings: bool = True) -> dict:
    """Every figure of the dashboard for one node and period (what the page, exports, PDF and API show).
    The rankings (top volunteers and teams) are the only figures read from raw rows; the page loads
    them separately (`rankings=False`) so the figures show at once."""
    _require(actor, node)
    node._stats_memo = {}
    try:
        return _summary(actor, node, date_from, date_to, language, rankings)
    finally:
        del node._stats_memo


def _summary(actor, node: Node, date_from: dt.date, date_to: dt.date, language: str, rankings: bool) -> dict:
    args = {"actor": actor, "node": node, "date_from": date_from, "date_to": date_to}
    ranked = rankings_of(**args) if rankings else {"top_volunteers": [], "top_teams": []}
    return {
        "node": {"id": node.pk, "name": node.display_name(language), "kind": node.kind},
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "people": registered_people(**args),
        "teams": teams_count(actor=actor, node=node, date_to=date_to),
        "services": services_served(**args),
        "coins": coins(**args),
        "by_type": services_by_type(**args, language=language),
        "by_category": services_by_category(**args),
        "unmet": unmet_demand(**args),
        "no_show": no_show_rate(**args),
        "rating": average_rating(**args),
        "active_volunteers": active_volunteers(actor=actor, node=node, date_to=date_to),
        "retention": retention_by_join_month(actor=actor, node=node, date_to=date_to),
        **ranked,
        "children": children_comparison(**args),
    }


def rankings_of(*, actor, node: Node, date_from: dt.date, date_to: dt.date) -> dict[str, list[dict]]:
    args = {"actor": actor, "node": node, "date_from": date_from, "date_to": date_to}
    return {"top_volunteers": top_volunteers(**args), "top_teams": top_teams(**args)}
