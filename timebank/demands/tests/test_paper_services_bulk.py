"""Bulk mode of the paper services: the day's sign sheet for a station, ticked rows recorded at once,
each through the same service; a refused row is reported and the others still go through; pressing twice
records nothing twice."""
import datetime as dt
import uuid

import pytest

from timebank.audit.models import AuditEvent
from timebank.demands import services
from timebank.demands.models import Assignment, AssignmentStatus, CheckInMethod
from timebank.demands.tests.conftest import new_demand, tomorrow_at
from timebank.ledger import services as ledger

pytestmark = pytest.mark.django_db


@pytest.fixture
def sheet(demand_world, clock):
    """Tomorrow: two visits claimed (09:00, 10:00) and one claimed for 20:00; the requests are made at 15:00."""
    w = demand_world
    w.morning = new_demand(w, starts_at=tomorrow_at(9))
    w.later = new_demand(w, starts_at=tomorrow_at(10), minutes=90)
    w.evening = new_demand(w, starts_at=tomorrow_at(20))
    w.a1 = services.demand_claim(actor=w.volunteer, demand=w.morning)
    w.a2 = services.demand_claim(actor=w.volunteer2, demand=w.later)
    w.a3 = services.demand_claim(actor=w.volunteer, demand=w.evening)
    w.day = tomorrow_at(9).date()
    clock.at(tomorrow_at(15))
    return w


def row(a, minutes=None):
    return {"demand_id": a.demand_id, "volunteer_id": a.volunteer_id,
            "served_minutes": minutes or a.demand.planned_minutes}


def status_of(*assignments):
    return [Assignment.objects.get(pk=a.pk).status for a in assignments]


def test_the_page_lists_the_days_sign_sheet_with_the_planned_minutes(sheet, client):
    w = sheet
    client.force_login(w.station_staff)
    page = client.get("/demands/paper/", {"station": w.station_a1.pk, "date": w.day.isoformat()}).content.decode()
    assert f'value="{w.morning.pk}-{w.volunteer.pk}"' in page and f'value="{w.later.pk}-{w.volunteer2.pk}"' in page
    assert f'name="minutes-{w.later.pk}-{w.volunteer2.pk}" value="90"' in page


def test_ticked_rows_are_recorded_a_refused_row_is_reported_and_a_second_press_records_nothing(sheet, client):
    w = sheet
    client.force_login(w.station_staff)
    data = {"token": uuid.uuid4().hex, "station": w.station_a1.pk, "date": w.day.isoformat(), "reason": "纸质签到",
            "row": [f"{a.demand_id}-{a.volunteer_id}" for a in (w.a1, w.a2, w.a3)],
            f"minutes-{w.a1.demand_id}-{w.a1.volunteer_id}": "45", f"minutes-{w.a2.demand_id}-{w.a2.volunteer_id}": "90",
            f"minutes-{w.a3.demand_id}-{w.a3.volunteer_id}": "60"}
    first = client.post("/demands/paper/", data)
    assert first.status_code == 200
    assert status_of(w.a1, w.a2, w.a3) == [AssignmentStatus.DONE, AssignmentStatus.DONE, AssignmentStatus.CLAIMED]
    assert Assignment.objects.get(pk=w.a1.pk).served_minutes == 45
    assert Assignment.objects.get(pk=w.a1.pk).check_in_method == CheckInMethod.PAPER
    page = first.content.decode()
    assert page.count('class="tag danger"') == 1 and page.count('class="tag ok"') == 2  # each row's outcome
    audits = AuditEvent.objects.filter(action="service.paper_recorded").count()
    again = client.post("/demands/paper/", data)
    assert again.status_code == 200 and AuditEvent.objects.filter(action="service.paper_recorded").count() == audits == 2


def test_the_api_reports_each_row_and_the_coins_follow_the_usual_rules(sheet, api_client):
    w = sheet
    api = api_client.login_as(w.station_staff)
    body = {"reason": "纸质签到", "rows": [row(w.a1), row(w.a2, 200), row(w.a3)]}
    answer = api.post("/api/v1/demands/paper-services", body, content_type="application/json",
                      HTTP_IDEMPOTENCY_KEY="p1")
    assert answer.status_code == 200, answer.content
    results = {r["demand_id"]: r for r in answer.json()["results"]}
    assert results[w.morning.pk]["ok"] and results[w.later.pk]["ok"]
    assert results[w.later.pk]["served_minutes"] < 200  # capped at the plan plus the tolerance, as ever
    assert not results[w.evening.pk]["ok"] and results[w.evening.pk]["code"] == "times_invalid"
    replay = api.post("/api/v1/demands/paper-services", body, content_type="application/json",
                      HTTP_IDEMPOTENCY_KEY="p1")
    assert replay.json() == answer.json() and AuditEvent.objects.filter(action="service.paper_recorded").count() == 2
    again = api.post("/api/v1/demands/paper-services", body, content_type="application/json")
    assert not any(r["ok"] for r in again.json()["results"])  # already recorded: nothing twice
    assignment = Assignment.objects.get(pk=w.a1.pk)
    services.assignment_confirm(actor=w.elder, assignment=assignment, rating=5)
    assert ledger.member_account(w.volunteer).balance == assignment.served_minutes == 60


def test_a_demand_of_another_branch_hides_the_whole_request(sheet, api_client):
    w = sheet
    api = api_client.login_as(w.other_station_staff)
    answer = api.post("/api/v1/demands/paper-services", {"reason": "x", "rows": [row(w.a1)]},
                      content_type="application/json")
    assert answer.status_code == 404 and status_of(w.a1) == [AssignmentStatus.CLAIMED]


def test_read_permission_cannot_record(sheet, api_client, client):
    w = sheet
    for actor in (w.auditor, w.volunteer):
        api = api_client.__class__().login_as(actor)
        answer = api.post("/api/v1/demands/paper-services", {"reason": "x", "rows": [row(w.a1)]},
                          content_type="application/json")
        assert answer.status_code == 404
        client.force_login(actor)
        assert client.post("/demands/paper/", {"token": "t", "reason": "x", "station": w.station_a1.pk,
                                               "row": [f"{w.a1.demand_id}-{w.a1.volunteer_id}"]}).status_code == 404
    assert status_of(w.a1) == [AssignmentStatus.CLAIMED]


@pytest.mark.parametrize("body", [
    {"reason": "", "rows": [{"demand_id": 1, "volunteer_id": 1, "served_minutes": 30}]},
    {"reason": "x", "rows": []},
    {"reason": "x", "rows": [{"demand_id": 1, "volunteer_id": 1, "served_minutes": 0}]},
    {"reason": "x", "rows": [{"demand_id": "a", "volunteer_id": 1, "served_minutes": 30}]},
])
def test_bad_input_is_refused_and_nothing_is_recorded(sheet, api_client, body):
    w = sheet
    for r in body["rows"]:
        if r["demand_id"] == 1:
            r["demand_id"], r["volunteer_id"] = w.morning.pk, w.volunteer.pk
    answer = api_client.login_as(w.station_staff).post("/api/v1/demands/paper-services", body,
                                                       content_type="application/json")
    assert answer.status_code == 422
    assert status_of(w.a1) == [AssignmentStatus.CLAIMED]


def test_a_page_row_with_unreadable_minutes_is_refused_alone(sheet, client):
    w = sheet
    client.force_login(w.station_staff)
    client.post("/demands/paper/", {
        "token": uuid.uuid4().hex, "station": w.station_a1.pk, "date": w.day.isoformat(), "reason": "纸质",
        "row": [f"{w.a1.demand_id}-{w.a1.volunteer_id}", f"{w.a2.demand_id}-{w.a2.volunteer_id}"],
        f"minutes-{w.a1.demand_id}-{w.a1.volunteer_id}": "abc", f"minutes-{w.a2.demand_id}-{w.a2.volunteer_id}": "60"})
    assert status_of(w.a1, w.a2) == [AssignmentStatus.CLAIMED, AssignmentStatus.DONE]
    assert dt.timedelta(minutes=Assignment.objects.get(pk=w.a2.pk).served_minutes) == dt.timedelta(minutes=60)
