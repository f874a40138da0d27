"""Medical staff's follow-up call: on an open alert they see whom to ring (the elder, the emergency
contact, proxies the elder let hear about their health) in full, each reveal audited; the queue row
shows the readings behind the alert; nobody else sees the numbers, and a closed alert shows none."""
import pytest

from timebank.audit.models import AuditEvent
from timebank.health import services
from timebank.health.models import Alert

from .conftest import bp

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(health_world):
    w = health_world
    w.elder.emergency_contact_name, w.elder.emergency_contact_phone = "邻居王阿姨", "021-65430000"
    w.elder.save(update_fields=["emergency_contact_name", "emergency_contact_phone"])
    services.proxy_health_consent_set(actor=w.elder, elder=w.elder, proxy=w.proxy, consent=True)
    services.readings_ingest(device=w.device, items=[bp(1, systolic=185, diastolic=100)])
    services.readings_ingest(device=w.device, items=[bp(2, systolic=192, diastolic=104)])
    return Alert.objects.get()


def test_the_medic_sees_whom_to_ring_and_the_reveal_is_audited(health_world, alert, api_client):
    w = health_world
    api_client.login_as(w.medic)
    contacts = api_client.post(f"/api/v1/health/alerts/{alert.pk}/contacts").json()
    assert [(c["name"], c["number"]) for c in contacts] == [("邻居王阿姨", "021-65430000"), (w.proxy.name, w.proxy.mobile)]
    event = AuditEvent.objects.get(action="health.alert_contacts_revealed")
    assert event.actor == w.medic and event.changes["numbers_of"] == ["邻居王阿姨", w.proxy.name]


def test_a_proxy_without_health_consent_is_not_listed(health_world, alert):
    w = health_world
    services.proxy_health_consent_set(actor=w.elder, elder=w.elder, proxy=w.proxy, consent=False)
    numbers = [c["number"] for c in services.alert_contacts_reveal(actor=w.medic, alert=alert)]
    assert numbers == ["021-65430000"]


def test_others_and_closed_alerts_get_no_numbers(health_world, alert, api_client):
    w = health_world
    for outsider in (w.other_medic, w.station_staff, w.proxy):
        api_client.login_as(outsider)
        assert api_client.post(f"/api/v1/health/alerts/{alert.pk}/contacts").status_code == 404
    services.alert_acknowledge(actor=w.medic, alert=alert)
    services.alert_follow_up(actor=w.medic, alert=alert, outcome="phoned")
    services.alert_close(actor=w.medic, alert=alert)
    api_client.login_as(w.medic)
    closed = api_client.post(f"/api/v1/health/alerts/{alert.pk}/contacts")
    assert closed.status_code == 422 and closed.json()["code"] == "alert_closed"
    assert not AuditEvent.objects.filter(action="health.alert_contacts_revealed").exists()


def test_the_queue_row_shows_the_readings_and_the_call_page_the_numbers(health_world, alert, client):
    client.force_login(health_world.medic)
    queue = client.get("/health/").content.decode()
    assert "185/100" in queue and "192/104" in queue and f'id="contacts-{alert.pk}"' in queue
    page = client.post(f"/health/alerts/{alert.pk}/contacts").content.decode()
    assert 'href="tel:021-65430000"' in page and "185/100" in page
