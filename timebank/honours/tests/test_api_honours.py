"""Service-record certificates and record corrections through the API: the same services and rules as
the pages (a volunteer asks only about their own services; the station decides; never one's own)."""
from timebank.honours.models import RecordCertificate, RecordCorrection


def _post(client, path, body):
    return client.post(path, body, content_type="application/json")


def test_staff_certify_a_volunteers_hours_and_never_their_own(record_world, api_client):
    w = record_world
    api_client.login_as(w.station_staff)
    issued = _post(api_client, f"/api/v1/people/{w.volunteer.pk}/record-certificates", {"person_in_charge": "王站长"})
    assert issued.status_code == 201 and issued.json()["total_minutes"] == 150
    assert issued.json()["pdf"].endswith(f"{issued.json()['number']}.pdf")
    assert _post(api_client, f"/api/v1/people/{w.station_staff.pk}/record-certificates", {}).status_code == 404
    api_client.login_as(w.other_branch_admin)
    assert _post(api_client, f"/api/v1/people/{w.volunteer.pk}/record-certificates", {}).status_code == 404
    assert RecordCertificate.objects.count() == 1


def test_a_volunteer_asks_for_a_correction_and_the_station_decides(record_world, api_client):
    w = record_world
    api_client.login_as(w.volunteer)
    asked = _post(api_client, "/api/v1/record-corrections",
                  {"assignment_id": w.served_chat.pk, "description": "实际服务了两个小时"})
    assert asked.status_code == 201 and asked.json()["status"] == "pending"
    foreign = _post(api_client, "/api/v1/record-corrections", {"assignment_id": 10**9, "description": "x"})
    assert foreign.status_code == 422 and foreign.json()["code"] == "assignment_not_on_record"
    api_client.login_as(w.station_staff)
    decided = _post(api_client, f"/api/v1/record-corrections/{asked.json()['id']}/decision",
                    {"decision": "accept", "note": "已核实"})
    assert decided.status_code == 200 and decided.json()["status"] != "pending"
    assert RecordCorrection.objects.count() == 1
