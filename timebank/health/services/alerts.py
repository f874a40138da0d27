"""How alerts open: the urgent and sustained rules over new readings, one open alert per elder and
rule, and the notices to the staff and proxies who hear about it."""
import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse

from timebank.audit.services import audit_record
from timebank.lib.events import publish
from timebank.notices.models import NoticeKind
from timebank.notices.services import notice_send
from timebank.orgs.models import Node
from timebank.people.models import Person

from .. import selectors
from ..events import ALERT_OPENED
from ..models import Alert, AlertRule, AlertStatus, Level, Reading, ReadingKind, Severity

URGENT_RULE = {ReadingKind.BP: AlertRule.BP_URGENT, ReadingKind.GLUCOSE: AlertRule.GLUCOSE_URGENT,
               ReadingKind.HEART_RATE: AlertRule.HEART_RATE_URGENT}
HIGH_LEVELS = (Level.HIGH, Level.URGENT)


def _evaluate_alerts(readings: list[Reading], limits: dict, homes: dict[int, int], *,
                     now: dt.datetime) -> list[Alert]:
    """Urgent readings raise an urgent alert at once; a blood-pressure run raises a follow-up alert
    (the sustained rule: `sustained_high_count` of the last `sustained_last` within `sustained_days`).
    One alert per elder and rule stays open: later readings are added to it.

    Set-based: one locking read of the open alerts concerned, one window query for the sustained rule
    (only for elders with a new high reading and no open run alert: a normal reading can never make the
    rule hold), one UPDATE for the alerts readings were added to, one INSERT for the new ones."""
    urgent: dict[tuple[int, str], list[Reading]] = {}
    high_bp: dict[int, list[Reading]] = {}
    for reading in sorted(readings, key=lambda r: (r.elder_id, r.measured_at, r.pk or 0)):
        if reading.level == Level.URGENT:
            urgent.setdefault((reading.elder_id, URGENT_RULE[reading.kind]), []).append(reading)
        if reading.kind == ReadingKind.BP and reading.level in HIGH_LEVELS:
            high_bp.setdefault(reading.elder_id, []).append(reading)
    if not urgent and not high_bp:
        return []
    elder_ids = {e for e, _ in urgent} | set(high_bp)
    rules = {r for _, r in urgent} | ({AlertRule.BP_SUSTAINED} if high_bp else set())
    # Locked in id order, like every other writer of alerts, so two uploads never deadlock.
    open_alerts = {(a.elder_id, a.rule): a for a in
                   Alert.objects.select_for_update().filter(elder_id__in=elder_ids, rule__in=rules)
                   .exclude(status=AlertStatus.CLOSED).order_by("pk")}
    touched: list[Alert] = []
    fresh: list[tuple[Reading, str, str, int]] = []  # (first reading, rule, severity, readings count)

    def add_to(alert: Alert, batch: list[Reading]) -> None:
        alert.last_reading = batch[-1]
        alert.readings_count += len(batch)
        touched.append(alert)

    for key, batch in urgent.items():
        if key in open_alerts:
            add_to(open_alerts[key], batch)
        else:
            fresh.append((batch[0], key[1], Severity.URGENT, len(batch)))
    to_check = []
    for elder_id, batch in high_bp.items():
        if (elder_id, AlertRule.BP_SUSTAINED) in open_alerts:
            add_to(open_alerts[(elder_id, AlertRule.BP_SUSTAINED)], batch)
        else:
            to_check.append(elder_id)
    if to_check:
        window = _recent_bp_levels(to_check, limits, now=now)
        for elder_id in to_check:
            t = limits[elder_id]
            since = now - dt.timedelta(days=t.sustained_days)
            last = [level for level, measured_at in window.get(elder_id, []) if measured_at >= since]
            if sum(1 for level in last[: t.sustained_last] if level in HIGH_LEVELS) >= t.sustained_high_count:
                fresh.append((high_bp[elder_id][-1], AlertRule.BP_SUSTAINED, Severity.FOLLOW_UP, 1))
    if touched:
        Alert.objects.bulk_update(touched, ["last_reading", "readings_count"])
    return _alerts_open(fresh, homes, now=now)


def _recent_bp_levels(elder_ids: list[int], limits: dict, *, now: dt.datetime) -> dict[int, list[tuple]]:
    """{elder: [(level, measured_at), …]} newest first, at most the longest `sustained_last` per elder."""
    from django.db.models import Window
    from django.db.models.functions import RowNumber

    longest = max(limits[e].sustained_days for e in elder_ids)
    most = max(limits[e].sustained_last for e in elder_ids)
    recent: dict[int, list[tuple]] = {}
    rows = (Reading.objects.filter(elder_id__in=elder_ids, kind=ReadingKind.BP,
                                   measured_at__gte=now - dt.timedelta(days=longest))
            .annotate(position=Window(RowNumber(), partition_by=[F("elder_id")],
                                      order_by=[F("measured_at").desc(), F("id").desc()]))
            .filter(position__lte=most).order_by("elder_id", "position")
            .values_list("elder_id", "level", "measured_at"))
    for elder_id, level, measured_at in rows:
        recent.setdefault(elder_id, []).append((level, measured_at))
    return recent


def _alerts_open(fresh: list[tuple[Reading, str, str, int]], homes: dict[int, int], *,
                 now: dt.datetime) -> list[Alert]:
    """Open the new alerts in one INSERT. If another upload opened one of them a moment ago (the unique
    open-alert index says so), fall back to one at a time, adding the reading to theirs."""
    if not fresh:
        return []
    # One order for every upload, so two that open alerts for the same elders never wait on each other in a circle.
    fresh = sorted(fresh, key=lambda f: (f[0].elder_id, f[1]))
    alerts = [Alert(bank_id=r.bank_id, station_id=homes[r.elder_id], elder_id=r.elder_id, rule=rule,
                    severity=severity, reading=r, last_reading=r, readings_count=count, opened_at=now,
                    level_node_id=homes[r.elder_id]) for r, rule, severity, count in fresh]
    try:
        with transaction.atomic():
            Alert.objects.bulk_create(alerts)
    except IntegrityError:
        alerts = [a for a in (_alert_raise(r, rule, severity, homes[r.elder_id], now=now)
                              for r, rule, severity, _ in fresh) if a]
        return alerts
    _alerts_announce(alerts)
    return alerts


def _alert_raise(reading: Reading, rule: str, severity: str, home: int, *, now: dt.datetime) -> Alert | None:
    """A new alert, or None when one for (elder, rule) is already open (the reading is added to it)."""
    open_alerts = Alert.objects.filter(elder_id=reading.elder_id, rule=rule).exclude(status=AlertStatus.CLOSED)
    if open_alerts.exists():
        open_alerts.update(last_reading=reading, readings_count=F("readings_count") + 1)
        return None
    try:
        with transaction.atomic():
            alert = Alert.objects.create(bank_id=reading.bank_id, station_id=home, elder_id=reading.elder_id,
                                         rule=rule, severity=severity, reading=reading, last_reading=reading,
                                         opened_at=now, level_node_id=home)
    except IntegrityError:
        # Another ingest opened it a moment ago: one open alert per elder and rule.
        open_alerts.update(last_reading=reading, readings_count=F("readings_count") + 1)
        return None
    _alerts_announce([alert])
    return alert


def _alerts_announce(alerts: list[Alert]) -> None:
    """Audit each new alert and tell the medical staff covering its station and the consenting proxies."""
    staff_by_station: dict[int, list[Person]] = {}
    stations = {n.pk: n for n in Node.objects.filter(pk__in={a.station_id for a in alerts}).select_related("bank")}
    proxies = selectors.consenting_proxies_of({a.elder_id for a in alerts})
    for alert in alerts:
        station = stations[alert.station_id]
        if station.pk not in staff_by_station:
            staff_by_station[station.pk] = selectors.medical_staff_covering(station)
        audit_record(actor=None, action="health.alert_opened", obj=alert, node=station, bank=station.bank,
                     changes={"rule": alert.rule, "reading": alert.reading_id})
        publish(ALERT_OPENED, alert=alert)
    _notify_many([(alert, [*staff_by_station[alert.station_id], *proxies.get(alert.elder_id, [])])
                  for alert in alerts])


def _notify(alert: Alert, people: Iterable[Person]) -> None:
    _notify_many([(alert, people)])


def _notify_many(pairs: list[tuple[Alert, Iterable[Person]]]) -> None:
    """Inbox notices and short messages in the alerts' own transaction (the notices are the outbox the
    worker sends SMS from): nothing is lost between the commit and the worker. The text names the
    alert and the station, never a value (an SMS is not private)."""
    for alert, people in pairs:
        text = f"{alert.get_severity_display()} · {alert.get_rule_display()} · {alert.station.name} #{alert.pk}"
        notice_send(people=people, kind=NoticeKind.HEALTH_ALERT, text=text, subject=("alert", alert.pk),
                    link=reverse("health:elder", args=[alert.elder_id]), sms_text=text)
