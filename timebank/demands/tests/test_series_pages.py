"""The weekly request's page and API: the rule and coming dates, a change that moves the dates
nobody took and reports those kept, and cancelling; other people get 404."""
import datetime as dt

import pytest
from django.utils import timezone

from timebank.demands import services
from timebank.demands.models import DemandStatus

pytestmark = pytest.mark.django_db


def _series(w, clock, actor=None):
    clock.at(dt.datetime(2027, 1, 20, 2, 0, tzinfo=dt.UTC))  # Wednesday, 10:00 in Shanghai
    return services.series_create(actor=actor or w.station_staff, station=w.station_a1, service_type=w.chat,
                                  elder=w.elder, weekday=1, start_time=dt.time(8, 30), duration_minutes=60,
                                  starts_on=dt.date(2027, 1, 20), until=dt.date(2027, 3, 1))


def test_staff_change_a_series_from_its_page_and_see_which_dates_were_kept(demand_world, client, clock):
    w = demand_world
    series = _series(w, clock)
    first, second, *_ = series.demands.order_by("starts_at")
    services.demand_claim(actor=w.volunteer, demand=first)
    client.force_login(w.station_staff)
    assert f"/demands/series/{series.pk}/" in client.get(f"/demands/{first.pk}/").content.decode()
    assert f"/demands/series/{series.pk}/" in client.get("/demands/board/").content.decode()
    page = client.get(f"/demands/series/{series.pk}/")
    assert page.status_code == 200 and f"/demands/{second.pk}/" in page.content.decode()

    response = client.post(f"/demands/series/{series.pk}/", {
        "start": "14:00", "duration_minutes": 60, "until": "2027-03-01", "headcount": 1,
        "address": "", "notes": "请带血压计"})
    assert response.status_code == 200
    assert [d.pk for d in response.context["kept"]] == [first.pk]
    assert second.pk in [d.pk for d in response.context["changed"]]
    second.refresh_from_db()
    assert timezone.localtime(second.starts_at).strftime("%H:%M") == "14:00" and second.notes == "请带血压计"

    response = client.post(f"/demands/series/{series.pk}/cancel/", {"reason": "搬家"})
    assert response.status_code == 302
    second.refresh_from_db()
    series.refresh_from_db()
    assert series.cancelled_at is not None and second.status == DemandStatus.CANCELLED


def test_the_proxy_who_created_it_manages_it_and_others_get_404(demand_world, client, clock):
    w = demand_world
    series = _series(w, clock, actor=w.proxy)
    client.force_login(w.proxy)
    assert client.get(f"/demands/series/{series.pk}/").status_code == 200
    for outsider in (w.volunteer, w.other_station_staff, w.other_branch_admin):
        client.force_login(outsider)
        assert client.get(f"/demands/series/{series.pk}/").status_code == 404
        assert client.post(f"/demands/series/{series.pk}/cancel/").status_code == 404
    series.refresh_from_db()
    assert series.cancelled_at is None


def test_the_api_shows_changes_and_cancels_a_series(demand_world, api_client, clock):
    w = demand_world
    series = _series(w, clock)
    first = series.demands.order_by("starts_at").first()
    services.demand_claim(actor=w.volunteer, demand=first)
    api_client.login_as(w.other_station_staff)
    assert api_client.get(f"/api/v1/demand-series/{series.pk}").status_code == 404
    api_client.login_as(w.proxy)
    body = api_client.get(f"/api/v1/demand-series/{series.pk}").json()
    assert body["weekday"] == 1 and body["start_time"].startswith("08:30") and len(body["upcoming"]) == 4
    assert body["upcoming"][0]["starts_at"] == "2027-01-26T08:30:00+08:00"

    changed = api_client.patch(f"/api/v1/demand-series/{series.pk}", {"start_time": "09:00", "until": "2027-02-10"},
                               content_type="application/json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["kept"] == [first.pk] and len(changed.json()["changed"]) == 3  # 2 moved, 16 Feb cancelled
    assert [d["starts_at"][11:16] for d in changed.json()["series"]["upcoming"]] == ["08:30", "09:00", "09:00"]
    bad = api_client.patch(f"/api/v1/demand-series/{series.pk}", {"until": "2026-01-01"},
                           content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "times_invalid"

    cancelled = api_client.post(f"/api/v1/demand-series/{series.pk}/cancel", {"reason": "住院"},
                                content_type="application/json")
    assert cancelled.status_code == 200 and cancelled.json()["cancelled_at"]
    again = api_client.post(f"/api/v1/demand-series/{series.pk}/cancel", content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
