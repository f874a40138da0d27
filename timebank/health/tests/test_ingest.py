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


def test_a_batch_costs_a_handful_of_queries_whatever_its_size(health_world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from timebank.health.models import Alert, HealthCard
    from timebank.people.models import Person

    w = health_world
    elders = Person.objects.bulk_create([Person(name=f"老人{i}", bank=w.bank, node=w.station_a1, is_elder=True,
                                                password="!") for i in range(50)])
    HealthCard.objects.bulk_create([HealthCard(bank=w.bank, elder=e, uid=f"C{i:07d}") for i, e in enumerate(elders)])

    def batch(first, systolic):
        return [bp(first + n, systolic, uid=f"C{n % 50:07d}") for n in range(500)]

    def queries(items) -> int:
        # The readings' INSERT is one statement on PostgreSQL; SQLite splits it at its parameter limit.
        with CaptureQueriesContext(connection) as ctx:
            services.readings_ingest(device=w.device, items=items)
        return sum(1 for q in ctx.captured_queries if 'INTO "health_reading"' not in q["sql"])

    assert queries(batch(1, 120)) <= 8
    services.readings_ingest(device=w.device, items=batch(1001, 190))  # opens an urgent and a run alert each
    assert Alert.objects.count() == 100
    assert queries(batch(2001, 190)) <= 10  # 500 urgent readings more: added to the open alerts in one UPDATE
    assert Alert.objects.count() == 100
    # urgent: 10 readings per elder in each batch; the run alert: the reading that opened it, then 10 more
    assert sorted(set(Alert.objects.values_list("readings_count", flat=True))) == [11, 20]


def test_the_service_itself_refuses_an_empty_or_oversized_batch(health_world):
    from timebank.lib.errors import InvalidInput

    for items in ([], [bp(i) for i in range(1001)]):
        with pytest.raises(InvalidInput) as err:
            services.readings_ingest(device=health_world.device, items=items)
        assert err.value.code == "batch_size_invalid"
