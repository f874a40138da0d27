import datetime as dt

import pytest
from django.utils import timezone

from timebank.conftest import make_person
from timebank.health import services
from timebank.health.exceptions import DeviceStationMismatch
from timebank.health.models import Reading
from timebank.orgs.models import NodeKind
from timebank.orgs.services import node_create

from .conftest import bp


def test_it_stores_a_replayed_batch_once(health_world):
    w = health_world
    batch = [bp(seq) for seq in range(1, 6)]
    assert [r["status"] for r in services.readings_ingest(device=w.device, items=batch)] == ["stored"] * 5
    again = services.readings_ingest(device=w.device, items=batch + [bp(6), bp(6)])
    assert [r["status"] for r in again] == ["duplicate"] * 5 + ["stored", "duplicate"]
    assert Reading.objects.filter(device=w.device).count() == 6


def test_it_rejects_bad_items_one_by_one_and_keeps_the_others(health_world):
    w = health_world
    future = timezone.now() + dt.timedelta(hours=1)
    items = [
        bp(1),
        bp(2, systolic=20),
        bp(3, systolic=400),
        bp(4, at=future),
        bp(5, uid="FFFFFFFF"),
        {**bp(6), "glucose": 5.6},
        {"card_uid": "04A1B2C3", "kind": "glucose", "glucose": 5.6, "measured_at": timezone.now().isoformat(),
         "sequence": 7},
        "not an object",
        {**bp(9), "measured_at": "yesterday"},
        {**bp(10), "sequence": -1},
        {"card_uid": "04A1B2C3", "kind": "temperature", "measured_at": timezone.now().isoformat(), "sequence": 11},
    ]
    codes = [(r["status"], r.get("code")) for r in services.readings_ingest(device=w.device, items=items)]
    assert codes == [("stored", None), ("rejected", "value_out_of_range"), ("rejected", "value_out_of_range"),
                     ("rejected", "measured_at_future"), ("rejected", "card_unknown"), ("rejected", "units_mixed"),
                     ("rejected", "unit_invalid"), ("rejected", "sequence_invalid"),
                     ("rejected", "measured_at_invalid"), ("rejected", "sequence_invalid"),
                     ("rejected", "kind_invalid")]
    assert Reading.objects.count() == 1


def test_it_stores_glucose_in_mg_per_decilitre_converted_exactly(health_world):
    w = health_world
    item = {"card_uid": "04A1B2C3", "kind": "glucose", "glucose": 126, "unit": "mg/dL", "context": "fasting",
            "measured_at": timezone.now().isoformat(), "sequence": 1}
    assert services.readings_ingest(device=w.device, items=[item])[0]["status"] == "stored"
    reading = Reading.objects.get()
    assert (reading.glucose, reading.level, reading.station_id) == (700, "high", w.station_a1.pk)


def test_it_refuses_a_device_of_another_station_and_cards_of_another_bank(health_world):
    w = health_world
    with pytest.raises(DeviceStationMismatch):
        services.readings_ingest(device=w.device, items=[bp(1)], station_id=w.station_b1.pk)
    bank2 = node_create(actor=None, parent=w.platform, kind=NodeKind.BANK, name="虹口区")
    branch2 = node_create(actor=None, parent=bank2, kind=NodeKind.BRANCH, name="街道")
    station2 = node_create(actor=None, parent=branch2, kind=NodeKind.STATION, name="社区")
    stranger = make_person(station2, "外区老人", is_elder=True)
    from timebank.health.models import HealthCard

    HealthCard.objects.create(bank=bank2, elder=stranger, uid="0BADBA4C")
    result = services.readings_ingest(device=w.device, items=[bp(1, uid="0BADBA4C")])[0]
    assert (result["status"], result["code"]) == ("rejected", "card_other_bank")


def test_a_revoked_device_token_stops_working(health_world):
    w = health_world
    assert services.device_authenticate(w.device_token) == w.device
    services.device_revoke(actor=w.bank_admin, device=w.device)
    assert services.device_authenticate(w.device_token) is None
    assert services.device_authenticate("tb_" + w.device_token[4:]) is None


def test_concurrent_ingest_of_the_same_batch_stores_once(postgres_only, health_world):
    import threading

    from django.db import connection

    w = health_world
    batch = [bp(seq, systolic=185) for seq in range(1, 101)]
    results, barrier = [], threading.Barrier(6)

    def body():
        barrier.wait()
        try:
            results.append(services.readings_ingest(device=w.device, items=batch))
        finally:
            connection.close()

    threads = [threading.Thread(target=body) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6
    assert Reading.objects.filter(device=w.device).count() == 100
    stored = sum(1 for answer in results for r in answer if r["status"] == "stored")
    assert stored == 100
    from timebank.health.models import Alert

    assert Alert.objects.filter(elder=w.elder, rule="bp_urgent").count() == 1
