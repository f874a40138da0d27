"""The teams and training API: create, join, approve, courses, sign-up, certificates; scoping."""
import datetime as dt

from django.utils import timezone

from timebank.conftest import make_person
from timebank.teams.models import Membership
from timebank.training import services as training


def test_create_join_and_approve_through_the_api(api_client, team_world):
    w = team_world
    api_client.login_as(w.branch_admin)
    response = api_client.post("/api/v1/teams", {"node_id": w.station_a1.pk, "name": "新队", "leader_id": w.volunteer.pk},
                               content_type="application/json")
    assert response.status_code == 201, response.content
    team_id = response.json()["id"]
    joiner = make_person(w.station_a1, "钱加入", mobile="13800000041", is_volunteer=True, volunteer_status="approved")
    api_client.login_as(joiner)
    assert team_id in [t["id"] for t in api_client.get("/api/v1/teams").json()["items"]]
    assert api_client.post(f"/api/v1/teams/{team_id}/join").status_code == 201
    twice = api_client.post(f"/api/v1/teams/{team_id}/join")
    assert twice.status_code == 409 and twice.json()["code"] == "already_member"
    api_client.login_as(w.volunteer2)  # leads another team
    refused = api_client.post(f"/api/v1/teams/{team_id}/members/{joiner.pk}/approve")
    assert refused.status_code == 403 and refused.json()["code"] == "not_team_leader"
    api_client.login_as(w.volunteer)
    approved = api_client.post(f"/api/v1/teams/{team_id}/members/{joiner.pk}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"


def test_another_branchs_staff_get_404(api_client, team_world):
    w = team_world
    joiner = make_person(w.station_a1, "钱加入", mobile="13800000041", is_volunteer=True, volunteer_status="approved")
    Membership.objects.create(team=w.team, person=joiner)
    api_client.login_as(w.other_branch_admin)
    assert w.team.pk not in [t["id"] for t in api_client.get("/api/v1/teams").json()["items"]]
    response = api_client.post(f"/api/v1/teams/{w.team.pk}/members/{joiner.pk}/approve")
    assert response.status_code == 404
    assert api_client.get(f"/api/v1/people/{joiner.pk}/certificates").status_code == 404


def test_courses_signup_and_certificates(api_client, team_world):
    w = team_world
    course = training.course_create(actor=w.branch_admin, node=w.branch_a, code="haircut", name="理发技能")
    start = timezone.now() + dt.timedelta(days=1)
    session = training.session_create(actor=w.branch_admin, course=course, node=w.station_a1, starts_at=start,
                                      ends_at=start + dt.timedelta(hours=1), place="活动室", capacity=1)
    api_client.login_as(w.volunteer)
    assert [c["code"] for c in api_client.get("/api/v1/courses").json()["items"]] == ["haircut"]
    assert api_client.post(f"/api/v1/sessions/{session.pk}/signup").status_code == 201
    api_client.login_as(w.volunteer2)
    full = api_client.post(f"/api/v1/sessions/{session.pk}/signup")
    assert full.status_code == 409 and full.json()["code"] == "session_full"
    training.attendance_mark(actor=w.station_staff, session=session, person=w.volunteer)
    api_client.login_as(w.volunteer)
    certs = api_client.get(f"/api/v1/people/{w.volunteer.pk}/certificates").json()["items"]
    assert certs[0]["course_code"] == "haircut" and certs[0]["in_force"] is True
    api_client.login_as(w.other_volunteer)
    assert api_client.post(f"/api/v1/sessions/{session.pk}/signup").status_code == 404
