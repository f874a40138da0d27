"""Recurring (weekly) demands: create, generate instances, change and cancel a series."""
import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.lib.errors import DomainError, NotFound
from timebank.notices.models import NoticeKind
from timebank.orgs.models import Node
from timebank.people.models import Person

from .. import selectors
from ..exceptions import HeadcountInvalid, InvalidTransition, TimesInvalid
from ..models import Demand, DemandSeries, DemandStatus, Payer, ServiceType
from ._common import MAX_DURATION, MAX_HEADCOUNT, demand_notify
from .publish import (
    demand_cancel,
    demand_create,
    demand_create_allowed,
    demand_place,
    demand_publish,
    demand_update,
)

SERIES_HORIZON_DAYS = 28  # recurring instances are generated this far ahead


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
    # The map point is looked up here, after the access check and before the transaction. A series with
    # its own address keeps that address and its point; one without follows the elder's address (each
    # instance takes it when made), and this lookup lets the instances below find the point without asking
    # the map service inside the transaction (the geocoder remembers it, then each instance the last one's).
    demand_create_allowed(actor=actor, station=station, elder=elder)
    if (address or "").strip():
        address, latitude, longitude = demand_place(station=station, elder=elder, address=address,
                                                    latitude=latitude, longitude=longitude)
    elif latitude is None and longitude is None:
        demand_place(station=station, elder=elder)
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
