"""Staff tables: the alert queue, cards and devices filter and export to CSV; exports of values are
audited; another branch's staff get nothing of ours; bad filters are ignored, never a 500."""
from timebank.audit.models import AuditEvent
from timebank.conftest import make_person
from timebank.health import services
from timebank.health.models import Alert

from .conftest import bp


def csv_rows(response) -> list[list[str]]:
    import csv
    import io

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_medical_staff_filter_the_queue_and_export_it(health_world, client):
    w = health_world
    second = make_person(w.station_a2, "赵阿姨", is_elder=True)
    services.card_issue(actor=w.medic, elder=second, uid="04B00002")
    services.readings_ingest(device=w.device, items=[bp(1, 200), bp(2, 150), bp(3, 150), bp(4, 150),
                                                     {**bp(5, 120), "card_uid": "04B00002", "kind": "heart_rate",
                                                      "bpm": 35, "systolic": None, "diastolic": None}])
    assert Alert.objects.count() == 3
    client.force_login(w.medic)
    assert len(client.get("/health/").context["page"]) == 3
    urgent = client.get("/health/?severity=urgent")
    assert {a.rule for a in urgent.context["page"]} == {"bp_urgent", "heart_rate_urgent"}
    by_station = client.get(f"/health/?node={w.station_a2.pk}")
    assert [a.elder for a in by_station.context["page"]] == [second]
    by_name = client.get("/health/?q=赵")
    assert [a.elder for a in by_name.context["page"]] == [second]
    rows = csv_rows(client.get("/health/?severity=urgent&export=alerts"))
    assert len(rows) == 3 and sorted(r[4] for r in rows[1:]) == sorted([w.elder.name, second.name])
    assert AuditEvent.objects.filter(action="health.exported", actor=w.medic).count() == 1
    for bad in ("node=abc", "opened_from=yesterday", "status=weird&severity=x&rule=%00", "node=99999999999999999999"):
        assert client.get(f"/health/?{bad}").status_code == 200, bad
    client.force_login(w.other_medic)
    assert csv_rows(client.get("/health/?export=alerts"))[1:] == []
    assert len(client.get(f"/health/?node={w.station_a1.pk}").context["page"]) == 0


def test_the_elders_readings_export_is_audited_and_hidden_from_other_staff(health_world, client):
    w = health_world
    services.readings_ingest(device=w.device, items=[bp(1, 150, 95), bp(2, 120, 70)])
    client.force_login(w.medic)
    rows = csv_rows(client.get(f"/health/elders/{w.elder.pk}/?export=csv"))
    assert sorted(r[2] for r in rows[1:]) == ["120/70 mmHg", "150/95 mmHg"]
    assert AuditEvent.objects.filter(action="health.viewed", changes__what="csv").count() == 1
    for person in (w.station_staff, w.auditor):
        client.force_login(person)
        response = client.get(f"/health/elders/{w.elder.pk}/?export=csv")
        assert "150/95" not in response.content.decode()
    client.force_login(w.other_medic)
    assert client.get(f"/health/elders/{w.elder.pk}/?export=csv").status_code == 404


def test_cards_and_devices_filter_and_export_within_reach(health_world, client):
    w = health_world
    services.card_issue(actor=w.medical_lead, elder=w.other_elder, uid="04C00003")
    client.force_login(w.station_staff)
    assert [c.uid for c in client.get("/health/cards/?q=04a1b2c3").context["page"]] == ["04A1B2C3"]
    assert [c.uid for c in client.get("/health/cards/?status=lost").context["page"]] == []
    assert [r[0] for r in csv_rows(client.get("/health/cards/?export=csv"))[1:]] == ["04A1B2C3"]
    client.force_login(w.bank_admin)
    services.device_register(actor=w.bank_admin, station=w.station_b1, serial="GL-002", model="GM")
    assert [d.serial for d in client.get("/health/devices/?q=GL").context["page"]] == ["GL-002"]
    rows = csv_rows(client.get("/health/devices/?export=csv&state=active"))
    assert sorted(r[0] for r in rows[1:]) == ["BP-001", "GL-002"]
    assert all(not r[3].startswith("dev_") or r[3].endswith("…") for r in rows[1:])  # never the whole token
    client.force_login(w.branch_admin)
    figures = csv_rows(client.get("/health/?export=figures"))
    assert figures[0][0] and len(figures[0]) == 6
