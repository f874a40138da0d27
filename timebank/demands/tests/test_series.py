"""Weekly demands: instances generated ahead, across a month boundary, stored in UTC and shown in
Asia/Shanghai; a series can be cancelled."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from timebank.demands import services
from timebank.demands.models import DemandStatus

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_tuesday_visits_are_generated_across_a_month_boundary_in_utc(demand_world, clock):
    w = demand_world
    clock.at(dt.datetime(2027, 1, 20, 2, 0, tzinfo=dt.UTC))  # Wednesday 20 Jan, 10:00 in Shanghai
    series = services.series_create(actor=w.station_staff, station=w.station_a1, service_type=w.chat,
                                    elder=w.elder, weekday=1, start_time=dt.time(8, 30), duration_minutes=60,
                                    starts_on=dt.date(2027, 1, 20), until=dt.date(2027, 3, 1))
    demands = list(series.demands.order_by("starts_at"))
    local_days = [timezone.localtime(d.starts_at).date() for d in demands]
    assert local_days == [dt.date(2027, 1, 26), dt.date(2027, 2, 2), dt.date(2027, 2, 9), dt.date(2027, 2, 16)]
    # 08:30 in Shanghai is 00:30 UTC the same day.
    assert demands[1].starts_at.astimezone(dt.UTC) == dt.datetime(2027, 2, 2, 0, 30, tzinfo=dt.UTC)
    assert demands[1].starts_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") == "2027-02-02 08:30"
    assert all(d.status == DemandStatus.PUBLISHED for d in demands)
    assert services.series_generate(series) == 0  # twice changes nothing

    clock.at(dt.datetime(2027, 2, 3, 2, 0, tzinfo=dt.UTC))
    assert services.series_generate_all() == 1  # 23 Feb comes into the horizon; 2 Mar is past `until`
    assert series.demands.count() == 5


def test_a_midnight_start_in_shanghai_is_the_previous_day_in_utc(demand_world, clock):
    w = demand_world
    clock.at(dt.datetime(2027, 3, 29, 4, 0, tzinfo=dt.UTC))
    series = services.series_create(actor=w.station_staff, station=w.station_a1, service_type=w.chat,
                                    elder=w.elder, weekday=3, start_time=dt.time(0, 30), duration_minutes=60,
                                    starts_on=dt.date(2027, 3, 30), until=dt.date(2027, 4, 2))
    demand = series.demands.get()
    assert demand.starts_at.astimezone(dt.UTC) == dt.datetime(2027, 3, 31, 16, 30, tzinfo=dt.UTC)
    assert timezone.localtime(demand.starts_at).date() == dt.date(2027, 4, 1)


def test_cancelling_a_series_cancels_its_future_instances(demand_world, clock):
    w = demand_world
    today = timezone.localdate()
    series = services.series_create(actor=w.proxy, station=w.station_a1, service_type=w.chat, elder=w.elder,
                                    weekday=(today.weekday() + 2) % 7, start_time=dt.time(9),
                                    duration_minutes=60, starts_on=today, until=today + dt.timedelta(days=20))
    assert series.demands.count() == 3
    services.series_cancel(actor=w.proxy, series=series)
    assert set(series.demands.values_list("status", flat=True)) == {DemandStatus.CANCELLED}
    assert services.series_generate(series) == 0


def test_changing_a_series_moves_unclaimed_instances_and_keeps_claimed_ones(demand_world, clock):
    w = demand_world
    clock.at(dt.datetime(2027, 1, 20, 2, 0, tzinfo=dt.UTC))
    series = services.series_create(actor=w.station_staff, station=w.station_a1, service_type=w.chat,
                                    elder=w.elder, weekday=1, start_time=dt.time(8, 30), duration_minutes=60,
                                    starts_on=dt.date(2027, 1, 20), until=dt.date(2027, 3, 1))
    first, second, *rest = series.demands.order_by("starts_at")
    services.demand_claim(actor=w.volunteer, demand=first)
    result = services.series_update(actor=w.station_staff, series=series, start_time=dt.time(14, 0),
                                    until=dt.date(2027, 2, 5))
    assert result["kept"] == [first.pk] and second.pk in result["changed"]
    second.refresh_from_db()
    first.refresh_from_db()
    assert timezone.localtime(second.starts_at).strftime("%m-%d %H:%M") == "02-02 14:00"
    assert timezone.localtime(first.starts_at).strftime("%H:%M") == "08:30"
    assert {d.status for d in series.demands.filter(pk__in=[d.pk for d in rest])} == {DemandStatus.CANCELLED}


def test_a_series_without_its_own_address_follows_the_elders_address(demand_world, clock):
    w = demand_world
    clock.at(dt.datetime(2027, 1, 20, 2, 0, tzinfo=dt.UTC))
    w.elder.address = "政立路 100 弄 3 号"
    w.elder.save(update_fields=["address"])
    series = services.series_create(actor=w.station_staff, station=w.station_a1, service_type=w.chat,
                                    elder=w.elder, weekday=1, start_time=dt.time(8, 30), duration_minutes=60,
                                    starts_on=dt.date(2027, 1, 20), until=dt.date(2027, 3, 30))
    assert series.address == "" and set(series.demands.values_list("address", flat=True)) == {"政立路 100 弄 3 号"}
    w.elder.address = "国和路 8 号"  # she moved
    w.elder.save(update_fields=["address"])
    clock.at(dt.datetime(2027, 2, 10, 2, 0, tzinfo=dt.UTC))
    assert services.series_generate(series) >= 1
    assert series.demands.order_by("-starts_at").first().address == "国和路 8 号"
    # A series given its own address keeps it.
    fixed = services.series_create(actor=w.station_staff, station=w.station_a1, service_type=w.chat,
                                   elder=w.elder, weekday=3, start_time=dt.time(8, 30), duration_minutes=60,
                                   starts_on=dt.date(2027, 2, 10), until=dt.date(2027, 3, 30), address="社区活动室")
    assert fixed.address == "社区活动室" and set(fixed.demands.values_list("address", flat=True)) == {"社区活动室"}
