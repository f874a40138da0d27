import pytest

from timebank.audit.models import AuditEvent
from timebank.health import services
from timebank.health.models import Alert, Reading

from .conftest import bp


def post_batch(client, token, items, **extra):
    return client.post("/api/v1/health/readings", {"readings": items, **extra}, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_device_posts_batches_and_a_replay_is_stored_once(health_world, client):
    w = health_world
    items = [bp(1), bp(2), "junk", {**bp(4), "systolic": 400}]
    first = post_batch(client, w.device_token, items)
    assert first.status_code == 200, first.content
    assert (first.json()["stored"], first.json()["rejected"]) == (2, 2)
    assert [r.get("code") for r in first.json()["results"]][2:] == ["sequence_invalid", "value_out_of_range"]
    again = post_batch(client, w.device_token, items)
    assert (again.json()["stored"], again.json()["duplicate"]) == (0, 2)
    assert Reading.objects.count() == 2


def test_it_refuses_oversized_batches_person_tokens_and_another_station(health_world, client, api_client):
    w = health_world
    assert post_batch(client, w.device_token, [bp(i) for i in range(1001)]).status_code == 422
    assert post_batch(client, w.device_token, []).status_code == 422
    assert post_batch(client, "dev_nonsense", [bp(1)]).status_code == 401
    person_token = api_client.login_as(w.medic).token
    assert post_batch(client, person_token, [bp(1)]).status_code == 401
    refused = post_batch(client, w.device_token, [bp(1)], station_id=w.station_b1.pk)
    assert (refused.status_code, refused.json()["code"]) == (403, "device_station_mismatch")


def test_medical_staff_work_the_alert_queue_through_the_api(health_world, api_client):
    w = health_world
    services.readings_ingest(device=w.device, items=[bp(1, 150), bp(2, 190)])
    api_client.login_as(w.medic)
    queue = api_client.get("/api/v1/health/alerts").json()["items"]
    assert [a["severity"] for a in queue] == ["urgent"]
    alert_id = queue[0]["id"]
    assert api_client.post(f"/api/v1/health/alerts/{alert_id}/close", {}, content_type="application/json"
                           ).json()["code"] == "alert_transition_invalid"
    assert api_client.post(f"/api/v1/health/alerts/{alert_id}/acknowledge").status_code == 200
    done = api_client.post(f"/api/v1/health/alerts/{alert_id}/follow-up", {"outcome": "visited", "note": "ok"},
                           content_type="application/json")
    assert done.json()["status"] == "followed_up"
    assert api_client.post(f"/api/v1/health/alerts/{alert_id}/close", {"note": "fine"},
                           content_type="application/json").json()["status"] == "closed"


def test_another_branchs_medical_staff_get_404_for_alerts_and_readings(health_world, api_client):
    w = health_world
    services.readings_ingest(device=w.device, items=[bp(1, 200)])
    alert = Alert.objects.get()
    api_client.login_as(w.other_medic)
    assert api_client.get("/api/v1/health/alerts").json()["items"] == []
    assert api_client.post(f"/api/v1/health/alerts/{alert.pk}/acknowledge").status_code == 404
    assert api_client.get(f"/api/v1/people/{w.elder.pk}/readings").status_code == 404
    assert api_client.get(f"/api/v1/people/{w.elder.pk}/thresholds").status_code == 404


@pytest.mark.parametrize("persona", ["auditor", "branch_admin", "station_staff", "volunteer", "bank_admin"])
def test_other_roles_see_no_values(health_world, api_client, persona):
    w = health_world
    services.readings_ingest(device=w.device, items=[bp(1, 200)])
    api_client.login_as(getattr(w, persona))
    response = api_client.get(f"/api/v1/people/{w.elder.pk}/readings")
    assert response.status_code in (403, 404)
    assert "200" not in response.content.decode()
    assert api_client.get("/api/v1/health/alerts").json()["items"] == []


def test_the_elder_medical_staff_and_a_consenting_proxy_read_values_and_each_view_is_audited(health_world,
                                                                                          api_client):
    w = health_world
    services.readings_ingest(device=w.device, items=[bp(1, 150), {
        "card_uid": "04A1B2C3", "kind": "glucose", "glucose": 99, "unit": "mg/dL", "context": "fasting",
        "measured_at": bp(2)["measured_at"], "sequence": 2}])
    api_client.login_as(w.medic)
    items = api_client.get(f"/api/v1/people/{w.elder.pk}/readings").json()["items"]
    assert {i["kind"] for i in items} == {"bp", "glucose"}
    assert [i["glucose_mmol_l"] for i in items if i["kind"] == "glucose"] == ["5.50"]
    assert AuditEvent.objects.filter(action="health.viewed", actor=w.medic).count() == 1
    proxy = api_client.__class__().login_as(w.proxy)
    assert proxy.get(f"/api/v1/people/{w.elder.pk}/readings").status_code in (403, 404)
    services.proxy_health_consent_set(actor=w.station_staff, elder=w.elder, proxy=w.proxy, consent=True)
    assert proxy.get(f"/api/v1/people/{w.elder.pk}/readings").status_code == 200
    assert AuditEvent.objects.filter(action="health.viewed", actor=w.proxy).count() == 1


def test_thresholds_through_the_api(health_world, api_client):
    w = health_world
    api_client.login_as(w.medic)
    url = f"/api/v1/people/{w.elder.pk}/thresholds"
    assert api_client.get(url).json()["source"] == "default"
    response = api_client.put(url, {"reason": "CKD", "bp_systolic_high": 130}, content_type="application/json")
    assert (response.status_code, response.json()["bp_systolic_high"], response.json()["source"]) == (200, 130, "elder")
    bad = api_client.put(url, {"reason": "x", "bp_systolic_high": 200}, content_type="application/json")
    assert (bad.status_code, bad.json()["code"]) == (422, "thresholds_invalid")


def test_cards_through_the_api(health_world, api_client):
    w = health_world
    api_client.login_as(w.station_staff)
    assert api_client.get("/api/v1/health/cards").json()["count"] == 1
    taken = api_client.post("/api/v1/health/cards", {"elder_id": w.elder.pk, "uid": "04999999"},
                            content_type="application/json")
    assert (taken.status_code, taken.json()["code"]) == (409, "card_active_exists")
    lost = api_client.post(f"/api/v1/health/cards/{w.card.pk}/lost")
    assert lost.json()["status"] == "lost"
    new = api_client.post("/api/v1/health/cards", {"elder_id": w.elder.pk, "uid": "04999999", "replaces": w.card.pk},
                          content_type="application/json")
    assert (new.status_code, new.json()["status"]) == (201, "active")
    api_client.login_as(w.other_station_staff)
    assert api_client.post("/api/v1/health/cards", {"elder_id": w.elder.pk, "uid": "04888888"},
                           content_type="application/json").status_code == 404
