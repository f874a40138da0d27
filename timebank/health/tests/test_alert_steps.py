"""Each step of an alert's workflow takes effect once: double clicks and retried requests change
nothing the second time and say who already did it."""
from timebank.audit.models import AuditEvent
from timebank.health import services
from timebank.health.models import Alert

from .conftest import bp


def test_a_double_click_on_acknowledge_in_the_page_acts_once_and_says_so(health_world, client):
    w = health_world
    services.readings_ingest(device=w.device, items=[bp(1, 200)])
    alert = Alert.objects.get()
    client.force_login(w.medic)
    url = f"/health/alerts/{alert.pk}/acknowledge"
    assert client.post(url).status_code == 302
    second = client.post(url, follow=True)
    assert second.status_code == 200
    assert AuditEvent.objects.filter(action="health.alert_acknowledged").count() == 1
    notes = [(m.level_tag, str(m)) for m in second.context["messages"]]
    assert notes[-1][0] == "info" and w.medic.name in notes[-1][1]  # the first click's "Saved." comes before
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == ("acknowledged", w.medic)


def test_the_api_refuses_a_repeated_step_with_a_clear_code_and_replays_an_idempotency_key(health_world,
                                                                                         api_client):
    w = health_world
    services.readings_ingest(device=w.device, items=[bp(1, 200)])
    alert = Alert.objects.get()
    api_client.login_as(w.medic)
    base = f"/api/v1/health/alerts/{alert.pk}"
    first = api_client.post(f"{base}/acknowledge", HTTP_IDEMPOTENCY_KEY="ack-1")
    assert first.status_code == 200
    retry = api_client.post(f"{base}/acknowledge", HTTP_IDEMPOTENCY_KEY="ack-1")
    assert (retry.status_code, retry.json()["id"], retry.json()["status"]) == (200, alert.pk, "acknowledged")
    again = api_client.post(f"{base}/acknowledge")
    assert (again.status_code, again.json()["code"]) == (409, "alert_already_done")
    assert again.json()["detail"]["by"] == w.medic.pk
    body = {"outcome": "phoned", "note": "told to rest"}
    for _ in range(2):
        done = api_client.post(f"{base}/follow-up", body, content_type="application/json",
                               HTTP_IDEMPOTENCY_KEY="fu-1")
        assert (done.status_code, done.json()["outcome"]) == (200, "phoned")
    other = api_client.post(f"{base}/follow-up", {"outcome": "visited"}, content_type="application/json",
                            HTTP_IDEMPOTENCY_KEY="fu-1")
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    assert api_client.post(f"{base}/close", {}, content_type="application/json").status_code == 200
    closed_again = api_client.post(f"{base}/close", {}, content_type="application/json")
    assert (closed_again.status_code, closed_again.json()["code"]) == (409, "alert_already_done")
    assert AuditEvent.objects.filter(action__startswith="health.alert_", object_id=str(alert.pk)).exclude(
        action="health.alert_opened").count() == 3
