"""A paper service record and a dispute decision through the API, with the pages' rules."""
import datetime as dt

from timebank.demands import services
from timebank.demands.models import AssignmentStatus
from timebank.demands.tests.conftest import new_demand, serve
from timebank.ledger import services as ledger


def _post(client, path, body):
    return client.post(path, body, content_type="application/json")


def test_station_staff_record_a_paper_service_for_a_branch_volunteer(demand_world, api_client, clock):
    w = demand_world
    demand = new_demand(w)
    clock.at(demand.ends_at + dt.timedelta(hours=1))
    api_client.login_as(w.station_staff)
    body = {"volunteer_id": w.volunteer.pk, "started_at": demand.starts_at.isoformat(),
            "ended_at": (demand.starts_at + dt.timedelta(minutes=50)).isoformat(), "reason": "老人不用手机"}
    made = _post(api_client, f"/api/v1/demands/{demand.pk}/paper-services", body)
    assert made.status_code == 201 and made.json()["volunteer_id"] == w.volunteer.pk
    assert made.json()["status"] == AssignmentStatus.DONE  # waits for confirmation like any other
    stranger = _post(api_client, f"/api/v1/demands/{demand.pk}/paper-services",
                     {**body, "volunteer_id": w.other_volunteer.pk})
    assert stranger.status_code == 422 and stranger.json()["code"] == "volunteer_unknown"
    api_client.login_as(w.other_station_staff)
    assert _post(api_client, f"/api/v1/demands/{demand.pk}/paper-services", body).status_code == 404


def test_a_branch_admin_credits_a_disputed_service_for_fewer_minutes(demand_world, api_client, clock):
    w = demand_world
    demand = new_demand(w)
    assignment = serve(w, clock, demand, w.volunteer, minutes=60)
    services.assignment_dispute(actor=w.elder, assignment=assignment, reason="只来了半小时")
    api_client.login_as(w.branch_admin)
    missing_note = _post(api_client, f"/api/v1/assignments/{assignment.pk}/resolve", {"decision": "credit"})
    assert missing_note.status_code == 422
    decided = _post(api_client, f"/api/v1/assignments/{assignment.pk}/resolve",
                    {"decision": "credit", "served_minutes": 30, "note": "核实为30分钟"})
    assert decided.status_code == 200 and decided.json()["status"] == AssignmentStatus.CREDITED
    assert ledger.member_account(w.volunteer).balance == 30
    again = _post(api_client, f"/api/v1/assignments/{assignment.pk}/resolve", {"decision": "reject", "note": "x"})
    assert again.status_code == 409
    api_client.login_as(w.other_branch_admin)
    assert _post(api_client, f"/api/v1/assignments/{assignment.pk}/resolve",
                 {"decision": "reject", "note": "x"}).status_code == 404
