"""Every write about health: cards, devices, readings (batch ingest and hand entry), thresholds,
consent, and the alert workflow with its escalation."""
import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record, diff
from timebank.lib.errors import InvalidInput, NotFound
from timebank.lib.events import publish
from timebank.notices.models import NoticeKind
from timebank.notices.services import notice_send
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.models import Person, PersonStatus, ProxyLink

from . import selectors
from .classification import LIMITS, classify, glucose_hundredths
from .events import ALERT_OPENED
from .exceptions import (
    AlertAlreadyDone,
    AlertTransitionInvalid,
    CardActiveExists,
    CardNotActive,
    CardUidTaken,
    ConsentBySelf,
    DeviceSerialTaken,
    DeviceStationMismatch,
    NotAnElder,
    ReadingInvalid,
    ThresholdsInvalid,
)
from .models import (
    Alert,
    AlertRule,
    AlertStatus,
    CardStatus,
    Device,
    GlucoseContext,
    HealthCard,
    Level,
    Outcome,
    ProxyHealthConsent,
    Reading,
    ReadingKind,
    Severity,
    Thresholds,
)

MAX_BATCH = 1000
FUTURE_SKEW = dt.timedelta(minutes=5)  # device clocks drift; further ahead is refused
DEVICE_TOKEN_PREFIX = "dev_"
URGENT_RULE = {ReadingKind.BP: AlertRule.BP_URGENT, ReadingKind.GLUCOSE: AlertRule.GLUCOSE_URGENT,
               ReadingKind.HEART_RATE: AlertRule.HEART_RATE_URGENT}
VALUE_FIELDS = {ReadingKind.BP: {"systolic", "diastolic"}, ReadingKind.GLUCOSE: {"glucose", "unit", "context"},
                ReadingKind.HEART_RATE: {"bpm"}}
ALL_VALUE_FIELDS = {"systolic", "diastolic", "glucose", "unit", "context", "bpm"}
# Plain values, looked up once: reading an enum member's value costs a descriptor call, per item per batch.
BP, GLUCOSE = ReadingKind.BP.value, ReadingKind.GLUCOSE.value
KINDS, CONTEXTS = frozenset(ReadingKind.values), frozenset(GlucoseContext.values)
FOREIGN_FIELDS = {kind: tuple(sorted(ALL_VALUE_FIELDS - fields)) for kind, fields in VALUE_FIELDS.items()}
LOST, REPLACED, ACTIVE_PERSON = CardStatus.LOST.value, CardStatus.REPLACED.value, PersonStatus.ACTIVE.value


def _clean_uid(uid) -> str:
    uid = str(uid or "").strip().upper()
    if not uid or len(uid) > 32 or not uid.isascii() or not uid.replace("-", "").replace(":", "").isalnum():
        raise InvalidInput(_("A card UID is 1–32 letters and digits."), code="card_uid_invalid")
    return uid


# ---- cards ---------------------------------------------------------------------------------------

def _elder_for_card(actor, elder: Person) -> Person:
    elder = Person.objects.select_for_update(of=("self",)).select_related("node", "bank").get(pk=elder.pk)
    if elder.node is None or not has_perm(actor, Perm.HEALTH_CARDS, elder.node):
        raise NotFound()
    if not elder.is_elder:
        raise NotAnElder()
    return elder


def _card_create(*, actor, elder: Person, uid: str) -> HealthCard:
    if HealthCard.objects.filter(bank=elder.bank, uid=uid).exists():
        raise CardUidTaken()
    try:
        with transaction.atomic():
            return HealthCard.objects.create(bank=elder.bank, elder=elder, uid=uid, issued_by=actor)
    except IntegrityError:
        raise CardUidTaken() from None


def card_issue(*, actor, elder: Person, uid: str) -> HealthCard:
    """A first card (or a new one after the old was reported lost)."""
    uid = _clean_uid(uid)
    with transaction.atomic():
        elder = _elder_for_card(actor, elder)
        if HealthCard.objects.filter(elder=elder, status=CardStatus.ACTIVE).exists():
            raise CardActiveExists()
        card = _card_create(actor=actor, elder=elder, uid=uid)
        audit_record(actor=actor, action="health.card_issued", obj=card, node=elder.node, changes={"uid": uid})
    return card


def card_report_lost(*, actor, card: HealthCard) -> HealthCard:
    """The UID stops working at once: readings with it are refused from now on."""
    with transaction.atomic():
        card = HealthCard.objects.select_for_update().get(pk=card.pk)
        _elder_for_card(actor, card.elder)
        if card.status != CardStatus.ACTIVE:
            raise CardNotActive()
        card.status, card.ended_at = CardStatus.LOST, timezone.now()
        card.save(update_fields=["status", "ended_at"])
        audit_record(actor=actor, action="health.card_lost", obj=card, node=card.elder.node)
    return card


def card_reissue(*, actor, card: HealthCard, uid: str) -> HealthCard:
    """A new card in place of `card` (active → replaced; lost stays lost)."""
    uid = _clean_uid(uid)
    with transaction.atomic():
        elder = _elder_for_card(actor, card.elder)
        card = HealthCard.objects.select_for_update().get(pk=card.pk)
        if card.status == CardStatus.REPLACED or HealthCard.objects.filter(
                elder=elder, status=CardStatus.ACTIVE).exclude(pk=card.pk).exists():
            raise CardNotActive()
        if card.status == CardStatus.ACTIVE:
            card.status, card.ended_at = CardStatus.REPLACED, timezone.now()
            card.save(update_fields=["status", "ended_at"])
        new = _card_create(actor=actor, elder=elder, uid=uid)
        audit_record(actor=actor, action="health.card_reissued", obj=new, node=elder.node,
                     changes={"old": card.pk, "uid": uid})
    return new


# ---- devices -------------------------------------------------------------------------------------

def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def device_register(*, actor, station: Node, serial: str, model: str = "") -> tuple[Device, str]:
    """A device at a station and its token; the raw token is returned once, only its hash is kept."""
    serial = (serial or "").strip()[:64]
    if not serial:
        raise InvalidInput(_("Give the device's serial number."), code="serial_required")
    if station is None or station.kind != NodeKind.STATION or station.is_closed:
        raise InvalidInput(_("Choose an open service station."), code="station_invalid")
    if not has_perm(actor, Perm.HEALTH_DEVICES, station):
        raise NotFound()
    raw = DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        if Device.objects.filter(bank=station.bank, serial=serial).exists():
            raise DeviceSerialTaken()
        try:
            with transaction.atomic():
                device = Device.objects.create(bank=station.bank, station=station, serial=serial,
                                               model=(model or "").strip()[:64], prefix=raw[:10],
                                               key_hash=_token_hash(raw), created_by=actor)
        except IntegrityError:
            raise DeviceSerialTaken() from None
        audit_record(actor=actor, action="health.device_registered", obj=device, node=station, bank=station.bank)
    return device, raw


def device_revoke(*, actor, device: Device) -> Device:
    with transaction.atomic():
        device = Device.objects.select_for_update(of=("self",)).select_related("station").get(pk=device.pk)
        if not has_perm(actor, Perm.HEALTH_DEVICES, device.station):
            raise NotFound()
        if device.revoked_at is None:
            device.revoked_at = timezone.now()
            device.save(update_fields=["revoked_at"])
            audit_record(actor=actor, action="health.device_revoked", obj=device, node=device.station)
    return device


def device_authenticate(raw: str) -> Device | None:
    if not raw or not raw.startswith(DEVICE_TOKEN_PREFIX) or len(raw) > 100:
        return None
    device = (Device.objects.filter(key_hash=_token_hash(raw), revoked_at__isnull=True)
              .select_related("station", "bank").first())
    if device is None or device.station.is_closed:
        return None
    now = timezone.now()
    if device.last_seen_at is None or (now - device.last_seen_at).total_seconds() > 60:
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
    return device


# ---- readings ------------------------------------------------------------------------------------

def _int_in(item: dict, name: str) -> int:
    value = item.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ReadingInvalid(code="value_invalid", detail={"field": name})
    if isinstance(value, float):
        if not value.is_integer():
            raise ReadingInvalid(code="value_invalid", detail={"field": name})
        value = int(value)
    low, high = LIMITS[name]
    if not low <= value <= high:
        raise ReadingInvalid(code="value_out_of_range", detail={"field": name})
    return value


def reading_values(item: dict, *, now: dt.datetime) -> dict:
    """The model fields of one reading from its wire form, or ReadingInvalid with the reason's code."""
    if not isinstance(item, dict):
        raise ReadingInvalid(code="item_invalid")
    kind = item.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise ReadingInvalid(code="kind_invalid")
    foreign = [k for k in FOREIGN_FIELDS[kind] if item.get(k) not in (None, "")]
    if foreign:
        # e.g. a blood-pressure reading that also carries a glucose value or a unit: mixed units.
        raise ReadingInvalid(code="units_mixed", detail={"fields": foreign})
    values: dict = {"kind": kind}
    if kind == BP:
        values["systolic"], values["diastolic"] = _int_in(item, "systolic"), _int_in(item, "diastolic")
        if values["diastolic"] >= values["systolic"]:
            raise ReadingInvalid(code="value_out_of_range", detail={"field": "diastolic"})
    elif kind == GLUCOSE:
        unit = item.get("unit")
        if unit not in ("mmol/L", "mg/dL"):
            raise ReadingInvalid(code="unit_invalid", detail={"field": "unit"})
        raw = item.get("glucose")
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            raise ReadingInvalid(code="value_invalid", detail={"field": "glucose"})
        try:
            glucose = glucose_hundredths(raw, unit)
        except ValueError:
            raise ReadingInvalid(code="value_invalid", detail={"field": "glucose"}) from None
        low, high = LIMITS["glucose"]
        if not low <= glucose <= high:
            raise ReadingInvalid(code="value_out_of_range", detail={"field": "glucose"})
        context = item.get("context") or GlucoseContext.RANDOM.value
        if not isinstance(context, str) or context not in CONTEXTS:
            raise ReadingInvalid(code="context_invalid", detail={"field": "context"})
        values["glucose"], values["glucose_context"] = glucose, context
    else:
        values["bpm"] = _int_in(item, "bpm")
    measured = item.get("measured_at")
    if isinstance(measured, dt.datetime):
        measured_at = measured
    else:
        try:
            measured_at = parse_datetime(measured) if isinstance(measured, str) and len(measured) <= 40 else None
        except ValueError:
            measured_at = None
    if measured_at is None or timezone.is_naive(measured_at) or measured_at.year < 2000:
        raise ReadingInvalid(code="measured_at_invalid", detail={"field": "measured_at"})
    if measured_at > now + FUTURE_SKEW:
        raise ReadingInvalid(code="measured_at_future", detail={"field": "measured_at"})
    values["measured_at"] = measured_at.astimezone(dt.UTC)
    return values


def _level(thresholds: Thresholds, values: dict) -> str:
    return classify(thresholds, values["kind"], systolic=values.get("systolic"), diastolic=values.get("diastolic"),
                    glucose=values.get("glucose"), context=values.get("glucose_context", ""), bpm=values.get("bpm"))


def readings_ingest(*, device: Device, items: list, station_id: int | None = None) -> list[dict]:
    """Store a device's batch. Each item gets a result: stored, duplicate (that (device, sequence) is
    already stored, however often the batch is re-sent) or rejected with a code; one bad item does not
    sink the others. Readings are attributed to the device's station; cards are looked up in its bank.

    Set-based, so a batch costs a handful of queries whatever its size: one for the cards, two or three
    for the limits, one INSERT … ON CONFLICT DO NOTHING RETURNING for the readings (the unique
    (device, sequence) index decides what is a duplicate, also between concurrent uploads; what comes
    back is what this batch stored), one SELECT for the duplicates' ids when there are any, and a few
    for the alerts (see `_evaluate_alerts`)."""
    if station_id is not None and station_id != device.station_id:
        raise DeviceStationMismatch()
    if not 1 <= len(items) <= MAX_BATCH:
        raise InvalidInput(_("A batch holds 1 to 1,000 readings."), code="batch_size_invalid")
    now = timezone.now()
    results: list[dict] = [{} for _ in items]
    parsed: list[tuple[int, int, str, dict]] = []
    for index, item in enumerate(items):
        sequence = item.get("sequence") if isinstance(item, dict) else None
        result = {"index": index, "sequence": sequence if isinstance(sequence, int) else None}
        results[index] = result
        try:
            if isinstance(sequence, bool) or not isinstance(sequence, int) or not 0 <= sequence < 2 ** 62:
                raise ReadingInvalid(code="sequence_invalid", detail={"field": "sequence"})
            uid = item.get("card_uid")
            if not isinstance(uid, str) or not 0 < len(uid.strip()) <= 32:
                raise ReadingInvalid(code="card_unknown", detail={"field": "card_uid"})
            parsed.append((index, sequence, uid.strip().upper(), reading_values(item, now=now)))
        except ReadingInvalid as err:
            result.update(status="rejected", code=err.code)
    uids = {p[2] for p in parsed}
    # Only the columns needed: no Person rows are built for a batch.
    cards = {uid: (status, elder_id, elder_status, home) for uid, status, elder_id, elder_status, home in
             HealthCard.objects.filter(bank=device.bank_id, uid__in=uids)
             .values_list("uid", "status", "elder_id", "elder__status", "elder__node_id")} if uids else {}
    missing = uids - set(cards)
    elsewhere = set(HealthCard.objects.filter(uid__in=missing).exclude(bank=device.bank_id)
                    .values_list("uid", flat=True)) if missing else set()
    accepted: list[tuple[int, int, int, dict]] = []
    homes: dict[int, int] = {}  # elder → their own station, where their alerts wait (not the device's)
    seen_sequences: set[int] = set()
    for index, sequence, uid, values in parsed:
        card = cards.get(uid)
        code = None
        if card is None:
            code = "card_other_bank" if uid in elsewhere else "card_unknown"
        elif card[0] == LOST:
            code = "card_lost"
        elif card[0] == REPLACED:
            code = "card_replaced"
        elif card[2] != ACTIVE_PERSON:
            code = "elder_inactive"
        if code:
            results[index].update(status="rejected", code=code)
        elif sequence in seen_sequences:
            results[index].update(status="duplicate")
        else:
            seen_sequences.add(sequence)
            accepted.append((index, sequence, card[1], values))
            homes[card[1]] = card[3] or device.station_id
    if not accepted:
        return results
    batch = uuid.uuid4()
    limits = selectors.thresholds_for_many(device.bank, sorted({elder_id for _, _, elder_id, _ in accepted}), now)
    for _index, _sequence, elder_id, values in accepted:
        values["level"] = _level(limits[elder_id], values)
    with transaction.atomic():
        stored = _readings_insert(device, [(sequence, elder_id, values) for _, sequence, elder_id, values in accepted],
                                  batch=batch, now=now)
        missing = seen_sequences - set(stored)
        earlier = dict(Reading.objects.filter(device=device, sequence__in=list(missing))
                       .values_list("sequence", "id")) if missing else {}
        worth_a_look = []
        for index, sequence, elder_id, values in accepted:
            if sequence in stored:
                results[index].update(status="stored", id=stored[sequence])
                if values["level"] == Level.URGENT or (values["kind"] == ReadingKind.BP
                                                       and values["level"] == Level.HIGH):
                    # Only these can open or feed an alert: no model instance for the other readings.
                    worth_a_look.append(Reading(pk=stored[sequence], bank_id=device.bank_id,
                                                station_id=device.station_id, elder_id=elder_id,
                                                device_id=device.pk, sequence=sequence, **values))
            elif sequence in earlier:
                results[index].update(status="duplicate", id=earlier[sequence])
            else:
                results[index].update(status="rejected", code="reading_invalid")
        _evaluate_alerts(worth_a_look, limits, homes, now=now)
    return results


READING_COLUMNS = ("bank", "station", "elder", "device", "sequence", "kind", "systolic", "diastolic", "glucose",
                   "glucose_context", "bpm", "level", "measured_at", "received_at", "batch", "manual")


def _readings_insert(device: Device, rows: list[tuple[int, int, dict]], *, batch: uuid.UUID,
                     now: dt.datetime) -> dict[int, int]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: {sequence: id} of the rows this statement stored; a
    (device, sequence) already there — an earlier upload, or a concurrent one — is skipped by the unique
    index. Written out because bulk_create cannot say which rows an ignoring insert stored, and its
    per-value preparation was about 40% of an upload's CPU when profiled (500 readings × 16 columns)."""
    from django.db import connection

    fields = [Reading._meta.get_field(name) for name in READING_COLUMNS]
    ops = connection.ops
    received, batch_value = ops.adapt_datetimefield_value(now), fields[14].get_db_prep_value(batch, connection)
    per_statement = len(rows)
    if connection.features.max_query_params:
        per_statement = max(1, connection.features.max_query_params // len(fields))
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    stored: dict[int, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            params = []
            for sequence, elder_id, v in chunk:
                params += [device.bank_id, device.station_id, elder_id, device.pk, sequence, v["kind"],
                           v.get("systolic"), v.get("diastolic"), v.get("glucose"), v.get("glucose_context", ""),
                           v.get("bpm"), v["level"], ops.adapt_datetimefield_value(v["measured_at"]), received,
                           batch_value, False]
            cursor.execute(f"INSERT INTO {ops.quote_name(Reading._meta.db_table)} ({columns}) VALUES "
                           f"{', '.join([row_sql] * len(chunk))} ON CONFLICT DO NOTHING "
                           f"RETURNING {ops.quote_name('sequence')}, {ops.quote_name('id')}", params)
            stored.update(cursor.fetchall())
    return stored


def reading_enter(*, actor, elder: Person, item: dict) -> Reading:
    """A reading entered by hand by medical staff (audited as manual); same checks as a device's."""
    now = timezone.now()
    values = reading_values(item, now=now)
    with transaction.atomic():
        elder = Person.objects.select_related("node", "bank").get(pk=elder.pk)
        if elder.node is None or not has_perm(actor, Perm.HEALTH_MANAGE, elder.node):
            raise NotFound()
        if not elder.is_elder:
            raise NotAnElder()
        limits = {elder.pk: selectors.thresholds_for(elder.bank, elder, now)}
        reading = Reading.objects.create(bank=elder.bank, station=elder.node, elder=elder, manual=True,
                                         entered_by=actor, received_at=now, level=_level(limits[elder.pk], values),
                                         **values)
        audit_record(actor=actor, action="health.reading_entered", obj=reading, node=elder.node, bank=elder.bank,
                     changes={"elder": elder.pk, "kind": reading.kind})
        _evaluate_alerts([reading], limits, {elder.pk: elder.node_id}, now=now)
    return reading


# ---- alerts --------------------------------------------------------------------------------------

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


def _alert_for_update(actor, alert: Alert) -> Alert:
    alert = Alert.objects.select_for_update(of=("self",)).select_related("station", "elder").filter(pk=alert.pk).first()
    if alert is None or not has_perm(actor, Perm.HEALTH_MANAGE, alert.station):
        raise NotFound()
    return alert


STEP_ORDER = [AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED, AlertStatus.FOLLOWED_UP, AlertStatus.CLOSED]


def _step_check(alert: Alert, step: str) -> None:
    """`step` is the status the action leads to. Already there or past it: AlertAlreadyDone (one effect,
    however often the button is pressed); more than one step ahead: AlertTransitionInvalid."""
    have, want = STEP_ORDER.index(alert.status), STEP_ORDER.index(step)
    if have == want - 1:
        return
    if have < want - 1:
        raise AlertTransitionInvalid(detail={"status": alert.status})
    by, at = {AlertStatus.ACKNOWLEDGED: (alert.acknowledged_by, alert.acknowledged_at),
              AlertStatus.FOLLOWED_UP: (alert.followed_up_by, alert.followed_up_at),
              AlertStatus.CLOSED: (alert.closed_by, alert.closed_at)}[step]
    words = {AlertStatus.ACKNOWLEDGED: gettext("This alert was already acknowledged by %(name)s at %(time)s. "
                                               "Nothing was changed."),
             AlertStatus.FOLLOWED_UP: gettext("The follow-up of this alert was already recorded by %(name)s at "
                                              "%(time)s. Nothing was changed."),
             AlertStatus.CLOSED: gettext("This alert was already closed by %(name)s at %(time)s. "
                                         "Nothing was changed.")}[step]
    when = timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else "—"
    raise AlertAlreadyDone(words % {"name": by.name if by else "—", "time": when},
                           detail={"status": alert.status, "by": by.pk if by else None,
                                   "at": at.isoformat() if at else None})


def alert_acknowledge(*, actor, alert: Alert) -> Alert:
    with transaction.atomic():
        alert = _alert_for_update(actor, alert)
        _step_check(alert, AlertStatus.ACKNOWLEDGED)
        alert.status, alert.acknowledged_at, alert.acknowledged_by = AlertStatus.ACKNOWLEDGED, timezone.now(), actor
        alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
        audit_record(actor=actor, action="health.alert_acknowledged", obj=alert, node=alert.station)
    return alert


def alert_follow_up(*, actor, alert: Alert, outcome: str, note: str = "") -> Alert:
    if outcome not in Outcome.values:
        raise InvalidInput(_("Choose what was done: phoned, visited, referred or no answer."), code="outcome_invalid")
    note = (note or "").strip()[:2000]
    with transaction.atomic():
        alert = _alert_for_update(actor, alert)
        _step_check(alert, AlertStatus.FOLLOWED_UP)
        alert.status, alert.followed_up_at, alert.followed_up_by = AlertStatus.FOLLOWED_UP, timezone.now(), actor
        alert.outcome, alert.note = outcome, note
        alert.save(update_fields=["status", "followed_up_at", "followed_up_by", "outcome", "note"])
        audit_record(actor=actor, action="health.alert_followed_up", obj=alert, node=alert.station,
                     changes={"outcome": outcome})
    return alert


def alert_close(*, actor, alert: Alert, note: str = "") -> Alert:
    note = (note or "").strip()
    with transaction.atomic():
        alert = _alert_for_update(actor, alert)
        _step_check(alert, AlertStatus.CLOSED)
        alert.status, alert.closed_at, alert.closed_by = AlertStatus.CLOSED, timezone.now(), actor
        if note:
            alert.note = (f"{alert.note}\n{note}" if alert.note else note)[:2000]
        alert.save(update_fields=["status", "closed_at", "closed_by", "note"])
        audit_record(actor=actor, action="health.alert_closed", obj=alert, node=alert.station)
    return alert


def alerts_escalate(now: dt.datetime | None = None) -> int:
    """Urgent alerts nobody acknowledged in time move to the next node up (station → branch → bank),
    and the medical staff granted at that node are told again. Safe to run twice: an alert escalated at `now` waits
    another full period before the next step."""
    now = now or timezone.now()
    escalated = 0
    candidates = (Alert.objects.filter(status=AlertStatus.OPEN, severity=Severity.URGENT)
                  .exclude(level_node__kind=NodeKind.BANK).values_list("pk", flat=True).order_by("pk"))
    for pk in list(candidates):
        with transaction.atomic():
            alert = (Alert.objects.select_for_update(of=("self",)).select_related("level_node", "bank", "elder")
                     .filter(pk=pk, status=AlertStatus.OPEN).first())
            if alert is None or alert.level_node.kind == NodeKind.BANK or alert.level_node.parent_id is None:
                continue
            window = dt.timedelta(minutes=selectors.thresholds_for(alert.bank, alert.elder, now).escalate_after_minutes)
            if (alert.escalated_at or alert.opened_at) + window > now:
                continue
            alert.level_node = Node.objects.get(pk=alert.level_node.parent_id)
            alert.escalations += 1
            alert.escalated_at = now
            alert.save(update_fields=["level_node", "escalations", "escalated_at"])
            audit_record(actor=None, action="health.alert_escalated", obj=alert, node=alert.level_node,
                         bank=alert.bank, changes={"to": alert.level_node.pk, "step": alert.escalations})
            # Everyone covering the station heard at first; now the ones in charge one level up are told again.
            _notify(alert, selectors.medical_staff_at(alert.level_node))
            escalated += 1
    return escalated


# ---- thresholds and consent ----------------------------------------------------------------------

THRESHOLD_FIELDS = (
    "bp_systolic_high", "bp_diastolic_high", "bp_systolic_urgent", "bp_diastolic_urgent", "glucose_fasting_high",
    "glucose_after_meal_high", "glucose_low", "glucose_urgent_low", "heart_rate_low", "heart_rate_high",
    "heart_rate_urgent_low", "heart_rate_urgent_high", "sustained_high_count", "sustained_last", "sustained_days",
    "escalate_after_minutes",
)


def _consistent(t: Thresholds) -> bool:
    return (t.bp_systolic_high < t.bp_systolic_urgent and t.bp_diastolic_high < t.bp_diastolic_urgent
            and t.glucose_urgent_low < t.glucose_low < t.glucose_fasting_high <= t.glucose_after_meal_high
            and t.heart_rate_urgent_low < t.heart_rate_low < t.heart_rate_high < t.heart_rate_urgent_high
            and 1 <= t.sustained_high_count <= t.sustained_last <= 20 and 1 <= t.sustained_days <= 365
            and 1 <= t.escalate_after_minutes <= 7 * 24 * 60)


def thresholds_set(*, actor, bank: Node, elder: Person | None = None, reason: str = "",
                   effective_from: dt.datetime | None = None, **values) -> Thresholds:
    """New limits for the bank (its medical lead: medical staff at the bank node) or for one elder
    (medical staff of the elder's subtree, with a reason), from `effective_from` on."""
    unknown = set(values) - set(THRESHOLD_FIELDS)
    if unknown:
        raise InvalidInput(detail={"fields": sorted(unknown)})
    reason = (reason or "").strip()[:200]
    now = timezone.now()
    if effective_from is not None and (timezone.is_naive(effective_from) or effective_from < now - FUTURE_SKEW):
        # Limits are never backdated: readings already classified keep the class they were given.
        raise InvalidInput(_("New limits can start now or later, not in the past."), code="effective_from_past")
    with transaction.atomic():
        if elder is not None:
            elder = Person.objects.select_related("node").get(pk=elder.pk)
            if elder.node is None or elder.bank_id != bank.pk or not has_perm(actor, Perm.HEALTH_MANAGE, elder.node):
                raise NotFound()
            if not reason:
                raise InvalidInput(_("Say why this elder needs their own limits."), code="reason_required")
        elif bank.kind != NodeKind.BANK or not has_perm(actor, Perm.HEALTH_MANAGE, bank):
            raise NotFound()
        current = selectors.thresholds_for(bank, elder)
        new = Thresholds(bank=bank, elder=elder, reason=reason, created_by=actor,
                         effective_from=effective_from or now)
        for name in THRESHOLD_FIELDS:
            value = values.get(name, getattr(current, name))
            if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 100_000:
                raise ThresholdsInvalid(detail={"field": name})
            setattr(new, name, value)
        if not _consistent(new):
            raise ThresholdsInvalid()
        try:
            new.full_clean(exclude=["bank", "elder", "created_by"])
        except ValidationError as err:
            raise ThresholdsInvalid(detail={"fields": sorted(err.message_dict)}) from None
        new.save()
        audit_record(actor=actor, action="health.thresholds_changed", obj=new,
                     node=elder.node if elder is not None else bank, bank=bank,
                     changes={"elder": elder.pk if elder else None, "reason": reason,
                              **diff({k: getattr(current, k) for k in THRESHOLD_FIELDS},
                                     {k: getattr(new, k) for k in THRESHOLD_FIELDS})})
    return new


def proxy_health_consent_set(*, actor, elder: Person, proxy: Person, consent: bool) -> bool:
    """Record (or withdraw) the elder's consent that this proxy sees their health values and hears about
    their alerts. Given by the elder themselves, or recorded by staff who may edit the elder (from a
    signed paper form) — never by the proxy themselves, and only for a confirmed link; withdrawn by the
    same people or by the proxy, for themselves. Returns whether anything changed: asking for the state
    already in force changes nothing and writes no audit."""
    with transaction.atomic():
        elder = Person.objects.select_for_update(of=("self",)).select_related("node").filter(
            pk=elder.pk, is_elder=True).first()
        if elder is None:
            raise NotFound()
        may_decide = actor.pk == elder.pk or (elder.node is not None and has_perm(actor, Perm.PEOPLE_EDIT, elder.node))
        if not may_decide and not (actor.pk == proxy.pk and not consent):
            raise NotFound()
        if consent and actor.pk == proxy.pk:
            raise ConsentBySelf()
        linked = ProxyLink.objects.active().filter(elder=elder, proxy=proxy).exists()
        if consent and not linked:
            raise InvalidInput(_("This person is not the elder's proxy."), code="not_a_proxy")
        live = ProxyHealthConsent.objects.select_for_update().filter(elder=elder, proxy=proxy,
                                                                     withdrawn_at__isnull=True).first()
        if consent and live is None:
            ProxyHealthConsent.objects.create(elder=elder, proxy=proxy, recorded_by=actor)
        elif not consent and live is not None:
            live.withdrawn_at, live.withdrawn_by = timezone.now(), actor
            live.save(update_fields=["withdrawn_at", "withdrawn_by"])
        else:
            return False
        audit_record(actor=actor, action="health.proxy_consent", obj=elder, node=elder.node,
                     changes={"proxy": proxy.pk, "consent": consent})
    return True


def health_view_record(*, actor, elder: Person, what: str) -> None:
    """Every look at an elder's health values (page, API list, export) goes to the audit trail."""
    audit_record(actor=actor, action="health.viewed", obj=elder, node=elder.node, bank=elder.bank,
                 changes={"what": what})


def health_export_record(*, actor, what: str, filters: dict | None = None) -> None:
    """A staff export of health tables (the alert queue) goes to the audit trail with its filters."""
    audit_record(actor=actor, action="health.exported", changes={"what": what, "filters": filters or {}})
