from timebank.audit.models import AuditEvent
from timebank.health import services
from timebank.health.models import Device

from .conftest import bp


def test_medical_staff_see_the_queue_and_the_elders_trend_and_each_view_is_audited(health_world, client):
    w = health_world
    services.readings_ingest(device=w.device, items=[bp(1, 150), bp(2, 190)])
    client.force_login(w.medic)
    queue = client.get("/health/")
    assert queue.status_code == 200 and w.elder.name in queue.content.decode()
    page = client.get(f"/health/elders/{w.elder.pk}/?period=6m")
    assert page.status_code == 200 and "<svg" in page.content.decode() and "190/80" in page.content.decode()
    assert AuditEvent.objects.filter(action="health.viewed", actor=w.medic).count() == 1
    pdf = client.get(f"/health/elders/{w.elder.pk}/summary.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="health.viewed", actor=w.medic).count() == 2


def test_station_staff_and_auditors_see_counts_not_values_and_another_branch_gets_404(health_world, client):
    w = health_world
    services.readings_ingest(device=w.device, items=[bp(1, 190)])
    for person in (w.station_staff, w.auditor, w.branch_admin):
        client.force_login(person)
        page = client.get(f"/health/elders/{w.elder.pk}/")
        assert page.status_code == 200 and "190" not in page.content.decode(), person
        assert client.get(f"/health/elders/{w.elder.pk}/summary.pdf").status_code == 404
    client.force_login(w.other_medic)
    assert client.get(f"/health/elders/{w.elder.pk}/").status_code == 404


def test_the_elder_reads_their_own_readings_in_plain_words(health_world, client):
    w = health_world
    w.elder.mobile = "13800000099"
    w.elder.save(update_fields=["mobile"])
    services.readings_ingest(device=w.device, items=[bp(1, 150, 85)])
    client.force_login(w.elder)
    page = client.get("/health/mine/", follow=True)
    assert page.status_code == 200
    assert "class=\"member" in page.content.decode()
    assert "150/85" in page.content.decode()


def test_devices_show_the_token_once_and_cards_can_be_reported_lost(health_world, client):
    w = health_world
    client.force_login(w.bank_admin)
    page = client.post("/health/devices/", {"station_id": w.station_a2.pk, "serial": "BP-777", "model": "X"})
    assert page.status_code == 200 and "dev_" in page.content.decode()
    assert "dev_" not in client.get("/health/devices/").content.decode().replace(">dev_", "")
    client.force_login(w.station_staff)
    client.post("/health/cards/", {"lost": w.card.pk})
    w.card.refresh_from_db()
    assert w.card.status == "lost"


def test_a_device_is_registered_at_a_station_picked_by_name_not_by_its_number(health_world, client):
    w = health_world
    client.force_login(w.bank_admin)
    page = client.get("/health/devices/").content.decode()
    assert f'<option value="{w.station_a2.pk}">{w.station_a2.name}</option>' in page
    client.post("/health/devices/", {"station_id": w.branch_a.pk, "serial": "BP-778"})  # a branch is not a choice
    assert not Device.objects.filter(serial="BP-778").exists()
    client.post("/health/devices/", {"station_id": w.station_a2.pk, "serial": "BP-779"})
    assert Device.objects.get(serial="BP-779").station == w.station_a2


def test_medical_staff_enter_a_reading_by_hand_and_the_lead_edits_bank_limits(health_world, client):
    w = health_world
    client.force_login(w.medic)
    response = client.post(f"/health/elders/{w.elder.pk}/readings/new", {
        "kind": "heart_rate", "bpm": 135, "measured_at": "2026-01-05 09:00"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="health.reading_entered").count() == 1
    assert client.get("/health/thresholds/").status_code == 404
    client.force_login(w.medical_lead)
    assert client.get("/health/thresholds/").status_code == 200
