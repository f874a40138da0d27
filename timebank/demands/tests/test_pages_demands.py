"""The demand pages as each person uses them: volunteer on a phone, proxy confirming with faces,
station staff publishing and dispatching, the branch admin's overview; other branches get 404."""
import datetime as dt

import pytest

from timebank.demands import services
from timebank.demands.models import Assignment, AssignmentStatus, Demand, DemandStatus
from timebank.ledger import services as ledger

from .conftest import NEAR, new_demand, serve, tomorrow_at

pytestmark = pytest.mark.django_db


def test_a_volunteer_finds_takes_checks_in_and_out_from_the_phone(demand_world, client, clock):
    w = demand_world
    demand = new_demand(w)
    client.force_login(w.volunteer)
    feed = client.get("/demands/feed/")
    assert feed.status_code == 200 and f"/demands/{demand.pk}/claim/" in feed.content.decode()
    response = client.post(f"/demands/{demand.pk}/claim/")
    assignment = Assignment.objects.get(demand=demand, volunteer=w.volunteer)
    assert response.status_code == 302 and response["Location"] == f"/demands/tasks/{assignment.pk}/"
    page = client.get(f"/demands/tasks/{assignment.pk}/").content.decode()
    assert "big-action" in page and "data-geo" in page
    clock.at(demand.starts_at)
    client.post(f"/demands/tasks/{assignment.pk}/check-in/", {"latitude": NEAR[0], "longitude": NEAR[1]})
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CHECKED_IN
    clock.advance(minutes=50)
    client.post(f"/demands/tasks/{assignment.pk}/check-out/")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.DONE and assignment.served_minutes == 50
    assert client.get("/demands/history/").status_code == 200


def test_a_refused_claim_comes_back_as_a_message_not_an_error_page(demand_world, client, clock):
    w = demand_world
    demand = new_demand(w)
    services.demand_claim(actor=w.volunteer2, demand=demand)
    client.force_login(w.volunteer)
    response = client.post(f"/demands/{demand.pk}/claim/", follow=True)
    assert response.status_code == 200
    assert "该需求的名额已满。" in response.content.decode()


def test_a_proxy_asks_for_help_and_confirms_with_five_faces(demand_world, client, clock):
    w = demand_world
    client.force_login(w.proxy)
    day = (tomorrow_at(9)).date()
    response = client.post("/demands/requests/new/", {
        "elder": w.elder.pk, "service_type": w.chat.pk, "day": day.isoformat(), "start": "09:00", "end": "10:00",
        "address": "", "notes": "请带上血压计", "payer": "branch"})
    assert response.status_code == 302, response.content.decode()[:2000]
    demand = Demand.objects.get()
    assert demand.status == DemandStatus.PUBLISHED and demand.created_by == w.proxy
    assignment = serve(w, clock, demand, w.volunteer)
    assert f"/demands/services/{assignment.pk}/confirm/" in client.get("/demands/requests/").content.decode()
    page = client.get(f"/demands/services/{assignment.pk}/confirm/").content.decode()
    assert page.count('name="rating"') == 5 and page.count('class="face"') == 5
    client.post(f"/demands/services/{assignment.pk}/confirm/", {"rating": 4, "comment": "准时"})
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CREDITED and assignment.rating == 4
    assert ledger.member_account(w.volunteer).balance == 60


def test_staff_publish_from_the_form_and_see_it_on_board_and_calendar(demand_world, client, clock):
    w = demand_world
    client.force_login(w.station_staff)
    day = tomorrow_at(9).date()
    response = client.post("/demands/new/", {
        "station": w.station_a1.pk, "service_type": w.chat.pk, "elder": w.elder.pk, "day": day.isoformat(),
        "start": "09:00", "end": "08:00", "headcount": 1, "payer": "branch", "publish": "on"})
    assert response.status_code == 200 and not Demand.objects.exists()  # end before start: the form says so
    response = client.post("/demands/new/", {
        "station": w.station_a1.pk, "service_type": w.chat.pk, "elder": w.elder.pk, "day": day.isoformat(),
        "start": "09:00", "end": "10:30", "headcount": 2, "payer": "branch", "publish": "on",
        "latitude": "31.3", "longitude": "121.51"})
    demand = Demand.objects.get()
    assert response.status_code == 302 and demand.status == DemandStatus.PUBLISHED
    assert demand.planned_minutes == 90
    assert f"/demands/{demand.pk}/" in client.get("/demands/board/").content.decode()
    assert f"/demands/{demand.pk}/" in client.get(f"/demands/calendar/?week={day.isoformat()}").content.decode()
    detail = client.get(f"/demands/{demand.pk}/").content.decode()
    assert w.volunteer.name in detail and "/dispatch/" in detail
    client.post(f"/demands/{demand.pk}/dispatch/", {"volunteer": w.volunteer.pk})
    assert Assignment.objects.filter(demand=demand, volunteer=w.volunteer, dispatched=True).exists()


def test_staff_create_a_weekly_request_from_the_form(demand_world, client, clock):
    w = demand_world
    client.force_login(w.station_staff)
    day = tomorrow_at(9).date()
    client.post("/demands/new/", {
        "station": w.station_a1.pk, "service_type": w.chat.pk, "elder": w.elder.pk, "day": day.isoformat(),
        "start": "09:00", "end": "10:00", "headcount": 1, "payer": "branch", "publish": "on",
        "weekly_until": (day + dt.timedelta(days=15)).isoformat()})
    assert Demand.objects.filter(series__isnull=False).count() == 3


def test_staff_record_paper_service_and_confirm_on_behalf(demand_world, client, clock):
    w = demand_world
    demand = new_demand(w)
    clock.at(demand.ends_at + dt.timedelta(hours=1))
    client.force_login(w.station_staff)
    local = demand.starts_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    response = client.post(f"/demands/{demand.pk}/paper/", {
        "volunteer": w.volunteer.pk, "day": local.date().isoformat(), "start": "09:00", "end": "10:00",
        "reason": "老人不会用手机"})
    assert response.status_code == 302
    assignment = Assignment.objects.get(demand=demand)
    client.post(f"/demands/services/{assignment.pk}/confirm/", {"rating": 5})
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CREDITED and assignment.confirmed_by == w.station_staff


def test_the_branch_admin_overview_lists_stations_and_disputes(demand_world, client, clock):
    w = demand_world
    demand = new_demand(w)
    assignment = serve(w, clock, demand, w.volunteer)
    services.assignment_dispute(actor=w.proxy, assignment=assignment, reason="迟到一小时")
    client.force_login(w.branch_admin)
    page = client.get("/demands/overview/").content.decode()
    assert w.station_a1.name in page and "迟到一小时" in page
    client.post(f"/demands/services/{assignment.pk}/resolve/", {"decision": "credit", "note": "已核实",
                                                                "served_minutes": 30})
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CREDITED and assignment.credited_minutes == 30


def test_another_branch_gets_404_on_every_page(demand_world, client, clock):
    w = demand_world
    demand = new_demand(w)
    assignment = services.demand_claim(actor=w.volunteer, demand=demand)
    client.force_login(w.other_station_staff)
    for url in (f"/demands/{demand.pk}/", f"/demands/{demand.pk}/paper/", f"/demands/services/{assignment.pk}/confirm/",
                f"/demands/tasks/{assignment.pk}/"):
        assert client.get(url).status_code == 404, url
    for url in (f"/demands/{demand.pk}/claim/", f"/demands/{demand.pk}/cancel/", f"/demands/{demand.pk}/publish/",
                f"/demands/{demand.pk}/dispatch/", f"/demands/tasks/{assignment.pk}/check-in/"):
        assert client.post(url, {"volunteer": w.other_volunteer.pk}).status_code == 404, url
    assert f"/demands/{demand.pk}/" not in client.get("/demands/board/").content.decode()
    client.force_login(w.other_volunteer)
    assert client.get(f"/demands/{demand.pk}/").status_code == 404
    assert f"/demands/{demand.pk}/" not in client.get("/demands/feed/").content.decode()


def test_member_pages_speak_chinese_first_and_english_on_request(demand_world, client, clock):
    w = demand_world
    new_demand(w)
    client.force_login(w.volunteer)
    assert "附近的任务" in client.get("/demands/feed/").content.decode()
    client.cookies["django_language"] = "en"
    page = client.get("/demands/feed/").content.decode()
    assert "Tasks near me" in page and "Chat and visiting" in page


def test_a_volunteer_opts_into_another_street_from_the_feed_page(demand_world, client, clock):
    w = demand_world
    start = tomorrow_at(10)
    elsewhere = services.demand_create(actor=w.other_station_staff, station=w.station_b1, service_type=w.chat,
                                       starts_at=start, ends_at=start + dt.timedelta(hours=1), elder=w.other_elder)
    services.demand_publish(actor=w.other_station_staff, demand=elsewhere)
    client.force_login(w.volunteer)
    assert w.branch_b.name in client.get("/demands/feed/").content.decode()
    client.post("/demands/areas/", {"branch": [w.branch_b.pk]})
    assert f"/demands/{elsewhere.pk}/claim/" in client.get("/demands/feed/").content.decode()
