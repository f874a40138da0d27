"""The session steps through the API: give a place back, check in with the room's code, and the
trainer's attendance list (all or none, the refusal naming the person)."""
import datetime as dt

from timebank.training import services
from timebank.training.models import Certificate, SignupStatus


def _post(client, path, body=None):
    return client.post(path, body or {}, content_type="application/json")


def test_a_volunteer_gives_a_place_back_and_checks_in_with_the_code(training_world, api_client, clock):
    w = training_world
    services.session_signup(actor=w.volunteer, session=w.session)
    api_client.login_as(w.volunteer)
    given_back = _post(api_client, f"/api/v1/sessions/{w.session.pk}/cancel-signup")
    assert given_back.status_code == 200 and given_back.json()["status"] == SignupStatus.CANCELLED
    assert _post(api_client, f"/api/v1/sessions/{w.session.pk}/signup").status_code == 201
    clock.at(w.session.starts_at + dt.timedelta(minutes=5))
    wrong = _post(api_client, f"/api/v1/sessions/{w.session.pk}/check-in", {"code": "000000"})
    assert wrong.status_code == 422 and wrong.json()["code"] == "session_code_wrong"
    assert not Certificate.objects.exists()
    right = _post(api_client, f"/api/v1/sessions/{w.session.pk}/check-in", {"code": w.session.check_in_code})
    assert right.status_code == 200 and right.json()["course_code"] == "haircut"


def test_the_trainer_records_attendance_all_or_none(training_world, api_client):
    w = training_world
    services.session_signup(actor=w.volunteer, session=w.session)
    api_client.login_as(w.branch_admin)
    refused = _post(api_client, f"/api/v1/sessions/{w.session.pk}/attendance",
                    {"person_ids": [w.volunteer.pk, w.volunteer2.pk]})  # the second never signed up
    assert refused.status_code == 409 and refused.json()["detail"]["person_id"] == w.volunteer2.pk
    assert not Certificate.objects.exists()
    done = _post(api_client, f"/api/v1/sessions/{w.session.pk}/attendance", {"person_ids": [w.volunteer.pk]})
    assert done.status_code == 200 and [c["course_code"] for c in done.json()] == ["haircut"]
    api_client.login_as(w.other_branch_admin)
    assert _post(api_client, f"/api/v1/sessions/{w.session.pk}/attendance",
                 {"person_ids": [w.volunteer.pk]}).status_code == 404


def test_a_trainer_sets_up_a_course_and_plans_a_session(training_world, api_client):
    w = training_world
    api_client.login_as(w.branch_admin)
    course = _post(api_client, "/api/v1/courses", {"node_id": w.branch_a.pk, "code": "first_aid", "name": "急救常识",
                                                   "kind": "general", "valid_months": 24})
    assert course.status_code == 201 and course.json()["code"] == "first_aid"
    twice = _post(api_client, "/api/v1/courses", {"node_id": w.branch_a.pk, "code": "first_aid", "name": "again"})
    assert twice.status_code == 409 and twice.json()["code"] == "course_code_taken"
    start = w.session.starts_at + dt.timedelta(days=3)
    session = _post(api_client, "/api/v1/sessions", {
        "course_id": course.json()["id"], "node_id": w.station_a1.pk, "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=2)).isoformat(), "place": "活动室", "capacity": 20})
    assert session.status_code == 201 and session.json()["capacity"] == 20 and session.json()["check_in_code"]
    assert session.json()["starts_at"].endswith("+08:00")
    api_client.login_as(w.other_branch_admin)
    assert _post(api_client, "/api/v1/courses", {"node_id": w.branch_a.pk, "code": "x", "name": "x"}).status_code == 404
