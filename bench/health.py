"""Health ingest benchmark: batches of 1,000 readings posted through the real API (Django test
client, the whole request stack: device auth, parsing, per-item checks, bulk insert, thresholds and
the sustained rule), as readings/s, against `GET /healthz` requests/s measured in the same run."""
import datetime as dt
import json
import time

BATCH = 1000


def _world(elders: int):
    from timebank.conftest import make_person
    from timebank.health import services
    from timebank.orgs.models import NodeKind
    from timebank.orgs.services import node_create
    from timebank.people.models import Person

    platform = node_create(actor=None, parent=None, kind=NodeKind.PLATFORM, name="health bench")
    bank = node_create(actor=None, parent=platform, kind=NodeKind.BANK, name="health bench bank")
    branch = node_create(actor=None, parent=bank, kind=NodeKind.BRANCH, name="branch")
    station = node_create(actor=None, parent=branch, kind=NodeKind.STATION, name="station")
    admin = make_person(station, "admin", mobile="13911110000")
    from timebank.orgs.services import role_grant

    role_grant(actor=None, person=admin, role="bank_admin", node=bank)
    people = Person.objects.bulk_create([Person(name=f"老人{i}", bank=bank, node=station, is_elder=True,
                                                password="!") for i in range(elders)])
    from timebank.health.models import HealthCard

    HealthCard.objects.bulk_create([HealthCard(bank=bank, elder=p, uid=f"B{i:08d}") for i, p in enumerate(people)])
    _device, token = services.device_register(actor=admin, station=station, serial="BENCH-1")
    return token


def run(quick: bool = False) -> dict:
    from django.test import Client

    elders, batches = (200, 5) if quick else (700, 40)
    token = _world(elders)
    client = Client()
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    seq = 0
    started = time.perf_counter()
    for _ in range(batches):
        items = []
        for _ in range(BATCH):
            seq += 1
            items.append({"card_uid": f"B{seq % elders:08d}", "kind": "bp", "systolic": 110 + seq % 80,
                          "diastolic": 70 + seq % 30, "measured_at": (now - dt.timedelta(seconds=seq)).isoformat(),
                          "sequence": seq})
        response = client.post("/api/v1/health/readings", json.dumps({"readings": items}),
                               content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200, response.content[:200]
    ingest_s = time.perf_counter() - started
    readings_per_s = seq / ingest_s
    started, n = time.perf_counter(), 0
    while time.perf_counter() - started < 3:
        client.get("/healthz")
        n += 1
    healthz_per_s = n / (time.perf_counter() - started)
    print(f"  ingest: {readings_per_s:.0f} readings/s; /healthz {healthz_per_s:.0f} req/s", flush=True)
    return {"readings": seq, "batch": BATCH, "readings_per_s": round(readings_per_s),
            "healthz_per_s": round(healthz_per_s), "ratio_vs_healthz": round(readings_per_s / healthz_per_s, 2)}
