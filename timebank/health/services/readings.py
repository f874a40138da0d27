"""Readings: a device's batch ingest and a reading entered by hand, each checked, classified and
passed on to the alert rules."""
import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.lib.errors import InvalidInput, NotFound
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.models import Person, PersonStatus

from .. import selectors
from ..classification import LIMITS, classify, glucose_hundredths
from ..exceptions import DeviceStationMismatch, NotAnElder, ReadingInvalid
from ..models import CardStatus, Device, GlucoseContext, HealthCard, Level, Reading, ReadingKind, Thresholds
from .alerts import _evaluate_alerts

MAX_BATCH = 1000
FUTURE_SKEW = dt.timedelta(minutes=5)  # device clocks drift; further ahead is refused
VALUE_FIELDS = {ReadingKind.BP: {"systolic", "diastolic"}, ReadingKind.GLUCOSE: {"glucose", "unit", "context"},
                ReadingKind.HEART_RATE: {"bpm"}}
ALL_VALUE_FIELDS = {"systolic", "diastolic", "glucose", "unit", "context", "bpm"}
# Plain values, looked up once: reading an enum member's value costs a descriptor call, per item per batch.
BP, GLUCOSE = ReadingKind.BP.value, ReadingKind.GLUCOSE.value
KINDS, CONTEXTS = frozenset(ReadingKind.values), frozenset(GlucoseContext.values)
FOREIGN_FIELDS = {kind: tuple(sorted(ALL_VALUE_FIELDS - fields)) for kind, fields in VALUE_FIELDS.items()}
LOST, REPLACED, ACTIVE_PERSON = CardStatus.LOST.value, CardStatus.REPLACED.value, PersonStatus.ACTIVE.value


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
