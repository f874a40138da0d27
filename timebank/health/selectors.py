"""Reads of health data, each scoped to what the actor may see. Values go only to medical staff of
the elder's subtree, the elder and consenting proxies; other staff get counts."""
import datetime as dt

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from timebank.lib.errors import NotFound
from timebank.orgs.models import Node
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, nodes_with, scope_q
from timebank.people.models import Person, ProxyLink

from .exceptions import ValuesHidden
from .models import (
    Alert,
    AlertRule,
    AlertStatus,
    CardStatus,
    Device,
    HealthCard,
    ProxyHealthConsent,
    Reading,
    Severity,
    Thresholds,
)

PERIODS = {"30d": 30, "6m": 183, "1y": 365}


def proxy_consents(elder: Person, proxy: Person) -> bool:
    """A live proxy link and a live health consent from the elder."""
    return (ProxyLink.objects.active().filter(elder=elder, proxy=proxy).exists()
            and ProxyHealthConsent.objects.filter(elder=elder, proxy=proxy, withdrawn_at__isnull=True).exists())


def consenting_proxies_of(elder_ids) -> dict[int, list[Person]]:
    """{elder_id: [proxy, …]} for many elders in two queries (live link and live consent)."""
    pairs = set(ProxyHealthConsent.objects.filter(elder_id__in=elder_ids, withdrawn_at__isnull=True)
                .values_list("elder_id", "proxy_id"))
    if not pairs:
        return {}
    linked = set(ProxyLink.objects.active().filter(elder_id__in={e for e, _ in pairs})
                 .values_list("elder_id", "proxy_id"))
    people = Person.objects.in_bulk({p for _, p in pairs & linked})
    out: dict[int, list[Person]] = {}
    for elder_id, proxy_id in sorted(pairs & linked):
        out.setdefault(elder_id, []).append(people[proxy_id])
    return out


def can_view_values(actor, elder: Person) -> bool:
    if actor is None or not getattr(actor, "pk", None):
        return False
    if actor.pk == elder.pk:
        return True
    if elder.node is not None and has_perm(actor, Perm.HEALTH_VIEW, elder.node):
        return True
    return proxy_consents(elder, actor)


def elder_for_values(actor, elder_id) -> Person:
    """The elder whose values the actor may see; 404 when the actor cannot see the person at all,
    403 `health_values_hidden` when they see the person but not the values (counts only)."""
    try:
        elder = Person.objects.select_related("node", "bank").get(pk=int(elder_id), is_elder=True)
    except (Person.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if can_view_values(actor, elder):
        return elder
    if elder.node is not None and (has_perm(actor, Perm.HEALTH_STATS, elder.node)
                                   or has_perm(actor, Perm.PEOPLE_VIEW, elder.node)):
        raise ValuesHidden()
    raise NotFound()


def elder_for_counts(actor, elder_id) -> Person:
    """An elder whose health counts the actor may see (or values: whoever sees values sees counts)."""
    try:
        elder = Person.objects.select_related("node", "bank").get(pk=int(elder_id), is_elder=True)
    except (Person.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if can_view_values(actor, elder) or (elder.node is not None and has_perm(actor, Perm.HEALTH_STATS, elder.node)):
        return elder
    raise NotFound()


def readings_of(elder: Person, *, kind: str = "", since: dt.datetime | None = None) -> QuerySet[Reading]:
    readings = Reading.objects.filter(elder=elder)
    if kind:
        readings = readings.filter(kind=kind)
    if since is not None:
        readings = readings.filter(measured_at__gte=since)
    return readings.order_by("-measured_at", "-id")


def latest_readings(elder: Person) -> list[Reading]:
    """The last reading of each kind."""
    out = []
    for kind in ("bp", "glucose", "heart_rate"):
        reading = Reading.objects.filter(elder=elder, kind=kind).order_by("-measured_at", "-id").first()
        if reading is not None:
            out.append(reading)
    return out


def elder_counts(elder: Person, days: int = 365) -> dict:
    since = timezone.now() - dt.timedelta(days=days)
    readings = Reading.objects.filter(elder=elder, measured_at__gte=since)
    return {
        "readings": readings.count(),
        "last_measured_at": readings.order_by("-measured_at").values_list("measured_at", flat=True).first(),
        "open_alerts": Alert.objects.filter(elder=elder).exclude(status=AlertStatus.CLOSED).count(),
    }


def thresholds_for(bank: Node, elder: Person | None = None, at: dt.datetime | None = None) -> Thresholds:
    """The limits in force for the elder: their own newest row, else the bank's, else the defaults."""
    at = at or timezone.now()
    rows = Thresholds.objects.filter(bank=bank, effective_from__lte=at)
    if elder is not None:
        own = rows.filter(elder=elder).order_by("-effective_from", "-id").first()
        if own is not None:
            return own
    return rows.filter(elder__isnull=True).order_by("-effective_from", "-id").first() or Thresholds(bank=bank)


def thresholds_for_many(bank: Node, elder_ids: list[int], at: dt.datetime | None = None) -> dict:
    """{elder_id: Thresholds} in two queries, for a batch."""
    at = at or timezone.now()
    default = thresholds_for(bank, None, at)
    out = {eid: default for eid in elder_ids}
    own = (Thresholds.objects.filter(bank=bank, elder_id__in=elder_ids, effective_from__lte=at)
           .order_by("elder_id", "effective_from", "id"))
    for row in own:
        out[row.elder_id] = row  # ascending order: the newest wins
    return out


def limits_bank_of(actor) -> Node:
    """The bank whose own limits the actor sets (its medical lead: health.manage at the bank, or the
    platform's first bank), or 404. The page and the API share it."""
    banks = [n for n in nodes_with(actor, Perm.HEALTH_MANAGE) if n.kind in ("bank", "platform")]
    if not banks:
        raise NotFound()
    if banks[0].kind == "bank":
        return banks[0]
    bank = Node.objects.filter(kind="bank", path__startswith=banks[0].path).order_by("pk").first()
    if bank is None:
        raise NotFound()
    return bank


def thresholds_history(bank: Node, elder: Person | None = None, limit: int = 20) -> QuerySet[Thresholds]:
    return (Thresholds.objects.filter(bank=bank, elder=elder).select_related("created_by")
            .order_by("-effective_from", "-id")[:limit])


def alerts_visible_to(actor) -> QuerySet[Alert]:
    return Alert.objects.filter(scope_q(actor, Perm.HEALTH_VIEW, "station__path")).select_related(
        "elder", "station", "last_reading", "level_node")


def alert_queue(actor, *, status: str = "", include_closed: bool = False, severity: str = "", rule: str = "",
                elder_id: int | None = None, node_id: int | None = None, q: str = "",
                opened_from: dt.date | None = None, opened_to: dt.date | None = None) -> QuerySet[Alert]:
    """Urgent first, then oldest first. Filters that do not apply (an unknown status) are ignored;
    `node_id` keeps the alerts of stations under that node, `q` matches the elder's name, pinyin initials
    or phone tail."""
    alerts = alerts_visible_to(actor)
    if status in AlertStatus.values:
        alerts = alerts.filter(status=status)
    elif not include_closed:
        alerts = alerts.exclude(status=AlertStatus.CLOSED)
    if severity in Severity.values:
        alerts = alerts.filter(severity=severity)
    if rule in AlertRule.values:
        alerts = alerts.filter(rule=rule)
    if elder_id:
        alerts = alerts.filter(elder_id=elder_id)
    if node_id:
        node = Node.objects.filter(pk=node_id).only("path").first()
        alerts = alerts.filter(station__path__startswith=node.path) if node else alerts.none()
    if opened_from:
        alerts = alerts.filter(opened_at__date__gte=opened_from)
    if opened_to:
        alerts = alerts.filter(opened_at__date__lte=opened_to)
    q = (q or "").strip()[:40]
    if q:
        match = Q(elder__name__icontains=q)
        if q.isascii() and q.isalpha():
            match |= Q(elder__name_initials__startswith=q.lower())
        if q.isdigit() and len(q) == 4:
            match |= Q(elder__mobile__endswith=q)
        alerts = alerts.filter(match)
    urgency = Case(When(severity=Severity.URGENT, then=Value(0)), default=Value(1), output_field=IntegerField())
    return alerts.annotate(urgency=urgency).order_by("urgency", "opened_at", "id")


def alert_get(actor, alert_id) -> Alert:
    try:
        return alerts_visible_to(actor).get(pk=int(alert_id))
    except (Alert.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def cards_visible_to(actor, *, q: str = "", status: str = "") -> QuerySet[HealthCard]:
    """Cards of the elders in reach; `q` matches the UID, the elder's name or pinyin initials."""
    cards = HealthCard.objects.filter(scope_q(actor, Perm.HEALTH_CARDS, "elder__node__path")).select_related(
        "elder", "elder__node")
    q = (q or "").strip()[:40]
    if q:
        match = Q(uid=q.upper()) | Q(elder__name__icontains=q)
        if q.isascii() and q.isalpha():
            match |= Q(elder__name_initials__startswith=q.lower())
        cards = cards.filter(match)
    if status in CardStatus.values:
        cards = cards.filter(status=status)
    return cards


def devices_visible_to(actor, *, q: str = "", state: str = "") -> QuerySet[Device]:
    devices = Device.objects.filter(scope_q(actor, Perm.HEALTH_DEVICES, "station__path")).select_related("station")
    q = (q or "").strip()[:64]
    if q:
        devices = devices.filter(Q(serial__icontains=q) | Q(model__icontains=q) | Q(station__name__icontains=q))
    if state == "active":
        devices = devices.filter(revoked_at__isnull=True)
    elif state == "revoked":
        devices = devices.filter(revoked_at__isnull=False)
    return devices


def alert_nodes(actor) -> QuerySet[Node]:
    """Branches and stations whose alerts the actor sees, for the queue's filter."""
    return Node.objects.filter(scope_q(actor, Perm.HEALTH_VIEW, "path"), kind__in=["branch", "station"],
                               is_closed=False).order_by("path")


def medical_staff_covering(node: Node) -> list[Person]:
    """Medical staff whose grant node is this node or above it (their subtree covers it)."""
    from timebank.orgs.models import RoleGrant
    from timebank.orgs.roles import Role

    ancestors = [p for p in node.path.split("/") if p]
    grants = RoleGrant.objects.filter(role=Role.MEDICAL_STAFF, revoked_at__isnull=True, node_id__in=ancestors,
                                      node__is_closed=False)
    return list(Person.objects.filter(pk__in=grants.values("person_id"), is_active=True))


def medical_staff_at(node: Node) -> list[Person]:
    from timebank.orgs.models import RoleGrant
    from timebank.orgs.roles import Role

    grants = RoleGrant.objects.filter(role=Role.MEDICAL_STAFF, revoked_at__isnull=True, node=node)
    return list(Person.objects.filter(pk__in=grants.values("person_id"), is_active=True))


def branch_figures(actor, *, days: int = 30) -> list[dict]:
    """Per node in reach with HEALTH_STATS: readings taken, elders measured, alerts opened/closed/overdue
    in the last `days`. Counts only."""
    since = timezone.now() - dt.timedelta(days=days)
    readings = (Reading.objects.filter(scope_q(actor, Perm.HEALTH_STATS, "station__path"), measured_at__gte=since)
                .values("station__parent_id", "station__parent__name")
                .annotate(readings=Count("id"), elders=Count("elder_id", distinct=True)))
    alerts = Alert.objects.filter(scope_q(actor, Perm.HEALTH_STATS, "station__path"))
    overdue_before = timezone.now() - dt.timedelta(minutes=30)
    alert_rows = (alerts.values("station__parent_id", "station__parent__name").annotate(
        opened=Count("id", filter=Q(opened_at__gte=since)),
        closed=Count("id", filter=Q(closed_at__gte=since)),
        overdue=Count("id", filter=Q(status=AlertStatus.OPEN, severity=Severity.URGENT,
                                     opened_at__lt=overdue_before))))
    rows: dict[int, dict] = {}
    for r in readings:
        rows.setdefault(r["station__parent_id"], {"branch": r["station__parent__name"], "readings": 0, "elders": 0,
                                                  "opened": 0, "closed": 0, "overdue": 0}).update(
            readings=r["readings"], elders=r["elders"])
    for r in alert_rows:
        rows.setdefault(r["station__parent_id"], {"branch": r["station__parent__name"], "readings": 0, "elders": 0,
                                                  "opened": 0, "closed": 0, "overdue": 0}).update(
            opened=r["opened"], closed=r["closed"], overdue=r["overdue"])
    return sorted(rows.values(), key=lambda r: r["branch"] or "")


def elders_of_proxy(actor) -> list[Person]:
    ids = ProxyHealthConsent.objects.filter(proxy=actor, withdrawn_at__isnull=True).values_list("elder_id", flat=True)
    return [e for e in Person.objects.filter(pk__in=list(ids)).select_related("node") if proxy_consents(e, actor)]


def elder_for_consent(actor, elder_id) -> tuple[Person, bool]:
    """(elder, may_decide): the elder and staff who may edit them decide for every proxy; a proxy of
    the elder sees and may withdraw only their own consent (may_decide False); anyone else gets 404."""
    try:
        elder = Person.objects.select_related("node", "bank").get(pk=int(elder_id), is_elder=True)
    except (Person.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if actor.pk == elder.pk or (elder.node is not None and has_perm(actor, Perm.PEOPLE_EDIT, elder.node)):
        return elder, True
    if (ProxyLink.objects.active().filter(elder=elder, proxy=actor).exists()
            or ProxyHealthConsent.objects.filter(elder=elder, proxy=actor, withdrawn_at__isnull=True).exists()):
        return elder, False
    raise NotFound()


def consent_rows(elder: Person, *, only_proxy: Person | None = None) -> list[dict]:
    """One row per live proxy of the elder (and anyone still holding a consent): shares now or not."""
    links = {link.proxy_id: link for link in ProxyLink.objects.active().filter(elder=elder)
             .select_related("proxy")}
    live = {c.proxy_id: c for c in ProxyHealthConsent.objects.filter(elder=elder, withdrawn_at__isnull=True)
            .select_related("proxy")}
    rows = []
    for proxy_id in sorted(set(links) | set(live)):
        if only_proxy is not None and proxy_id != only_proxy.pk:
            continue
        link, consent = links.get(proxy_id), live.get(proxy_id)
        rows.append({"proxy": link.proxy if link else consent.proxy, "relation": link.get_relation_display()
                     if link else "", "linked": link is not None, "shares": consent is not None and link is not None,
                     "since": consent.given_at if consent else None})
    return rows


def consent_history(elder: Person, *, only_proxy: Person | None = None) -> QuerySet[ProxyHealthConsent]:
    history = ProxyHealthConsent.objects.filter(elder=elder).select_related("proxy", "recorded_by", "withdrawn_by")
    if only_proxy is not None:
        history = history.filter(proxy=only_proxy)
    return history.order_by("-given_at", "-id")
