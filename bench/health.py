"""Health benchmarks through the real HTTP server (gunicorn, production settings, PostgreSQL).

- `health_ingest`: 200,000 readings (blood pressure, glucose in both units, heart rate; about one in
  four high, one in a hundred urgent; measured over the last 30 days as late offline uploads are) for
  20,000 elders, posted by 8 station devices in batches of 500, 4 uploads at a time, with thresholds,
  the urgent rule and the sustained rule evaluated as in production. Reported as readings/s and against
  a trivial JSON endpoint of our own server (`GET /api/v1/me`, same 4 clients) measured in the same run:
  `ratio_vs_trivial` = readings/s ÷ trivial requests/s (how many readings one trivial request's time
  stores), `batch_vs_trivial` = batch requests/s ÷ trivial requests/s. Then every batch is sent again
  (an offline device replaying) and must come back all duplicates with no new row.
- `health_alert`: while the ingest runs, a probe device posts one urgent reading at a time for an
  elder with no open alert; the latency is from just before the POST to the moment the alert shows in
  the medical staff's queue (`GET /api/v1/health/alerts?elder_id=…`, polled every 10 ms).
"""
import datetime as dt
import json
import os
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench.demands import _percentile, start_server, successes_per_second

BATCH = 500
CLIENTS = 4
STATIONS = 8
PROBES = 40


def _world(elders: int):
    from django.db import connection

    from timebank.conftest import make_person
    from timebank.health import services
    from timebank.health.models import HealthCard
    from timebank.orgs.models import NodeKind
    from timebank.orgs.roles import Role
    from timebank.orgs.services import node_create, role_grant
    from timebank.people.models import Person
    from timebank.people.services import api_token_create

    platform = node_create(actor=None, parent=None, kind=NodeKind.PLATFORM, name="health bench")
    bank = node_create(actor=None, parent=platform, kind=NodeKind.BANK, name="health bench bank")
    stations = []
    for b in range(2):
        branch = node_create(actor=None, parent=bank, kind=NodeKind.BRANCH, name=f"branch {b}")
        stations += [node_create(actor=None, parent=branch, kind=NodeKind.STATION, name=f"station {b}.{s}")
                     for s in range(STATIONS // 2)]
    admin = make_person(stations[0], "bench admin", mobile="13911110000")
    role_grant(actor=None, person=admin, role=Role.BANK_ADMIN, node=bank)
    medic = make_person(stations[0], "bench medic", mobile="13911110001")
    role_grant(actor=None, person=medic, role=Role.MEDICAL_STAFF, node=bank)
    total = elders + PROBES
    people = Person.objects.bulk_create([Person(name=f"老人{i}", bank=bank, node=stations[i % STATIONS if i < elders else 0],
                                                is_elder=True, password="!") for i in range(total)], batch_size=5000)
    HealthCard.objects.bulk_create([HealthCard(bank=bank, elder=p, uid=f"B{i:08d}") for i, p in enumerate(people)],
                                   batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    tokens = [services.device_register(actor=admin, station=s, serial=f"BENCH-{i}")[1] for i, s in enumerate(stations)]
    probe_token = services.device_register(actor=admin, station=stations[0], serial="BENCH-PROBE")[1]
    probe_elders = [(p.pk, f"B{elders + i:08d}") for i, p in enumerate(people[elders:])]
    return tokens, probe_token, probe_elders, api_token_create(actor=medic, name="bench")[1]


def _reading(rng: random.Random, uid: str, sequence: int, now: dt.datetime) -> dict:
    at = (now - dt.timedelta(seconds=rng.randrange(30 * 86400))).isoformat()
    roll = rng.random()
    base = {"card_uid": uid, "sequence": sequence, "measured_at": at}
    if roll < 0.6:
        systolic = 188 if rng.random() < 0.01 else int(rng.gauss(128, 12))
        return {**base, "kind": "bp", "systolic": systolic, "diastolic": min(systolic - 30, int(rng.gauss(80, 8)))}
    if roll < 0.8:
        context = rng.choice(["fasting", "after_meal", "random"])
        if rng.random() < 0.5:
            return {**base, "kind": "glucose", "glucose": round(rng.gauss(6.2, 1.2), 1), "unit": "mmol/L",
                    "context": context}
        return {**base, "kind": "glucose", "glucose": int(rng.gauss(112, 22)), "unit": "mg/dL", "context": context}
    return {**base, "kind": "heart_rate", "bpm": 35 if rng.random() < 0.01 else int(rng.gauss(76, 12))}


def _payloads(readings: int, elders: int) -> list[list[bytes]]:
    """Per device, its batches already encoded (the client's own work stays out of the timing).
    Device i posts for the elders of station i (elders are spread over stations by i % STATIONS)."""
    rng = random.Random(11)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    per_device = [[] for _ in range(STATIONS)]
    mine = [[e for e in range(elders) if e % STATIONS == d] for d in range(STATIONS)]
    for n in range(readings // BATCH):
        device = n % STATIONS
        sequence0 = len(per_device[device]) * BATCH
        items = [_reading(rng, f"B{rng.choice(mine[device]):08d}", sequence0 + k, now) for k in range(BATCH)]
        per_device[device].append(json.dumps({"readings": items}).encode())
    return per_device


class CpuMeter:
    """CPU seconds used by the server's workers and their PostgreSQL backends (from /proc), so the
    comparison with the trivial endpoint still means something on a machine other jobs share.
    A thread samples every process four times a second: workers recycle their database connections
    (CONN_MAX_AGE), and a backend that ends between two samples would otherwise take its CPU with it."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid

    @staticmethod
    def _ticks(pid: int) -> int | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return int(fields[11]) + int(fields[12])  # utime + stime

    def _pids(self, cursor) -> dict[int, str]:
        pids = {self.server_pid: "app"}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.server_pid:
                pids[int(stat.parent.name)] = "app"
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        pids.update({row[0]: "db" for row in cursor.fetchall()})
        return pids

    def _sample(self, cursor, first: bool) -> None:
        for pid, kind in self._pids(cursor).items():
            ticks = self._ticks(pid)
            if ticks is None:
                continue
            if pid not in self.base:
                self.base[pid] = ticks if first else 0  # born during the window: all its CPU counts
                self.kind[pid] = kind
            self.last[pid] = ticks

    def start(self) -> "CpuMeter":
        import psycopg

        self.base, self.last, self.kind = {}, {}, {}
        self.stopped = threading.Event()
        self.conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
        self._sample(self.conn.cursor(), first=True)

        def loop():
            while not self.stopped.wait(0.25):
                self._sample(self.conn.cursor(), first=False)

        self.thread = threading.Thread(target=loop, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> tuple[float, float]:
        """(app, database) CPU seconds since `start`."""
        self.stopped.set()
        self.thread.join()
        self._sample(self.conn.cursor(), first=False)
        self.conn.close()
        hz = os.sysconf("SC_CLK_TCK")
        app = sum(self.last[p] - self.base[p] for p in self.last if self.kind[p] == "app") / hz
        db = sum(self.last[p] - self.base[p] for p in self.last if self.kind[p] == "db") / hz
        return app, db


class Http:
    """One keep-alive connection to the server."""

    def __init__(self, port: int, token: str):
        import http.client

        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        self.conn.request(method, path, body=body, headers=self.headers)
        response = self.conn.getresponse()
        return response.status, response.read()


def _post_all(port: int, tokens: list[str], per_device: list[list[bytes]]) -> tuple[float, dict]:
    """CLIENTS threads take the devices' batches (a device's batches stay in order, on one thread)."""
    jobs = [[] for _ in range(CLIENTS)]
    for device, batches in enumerate(per_device):
        jobs[device % CLIENTS].extend((tokens[device], body) for body in batches)
    totals = {"stored": 0, "duplicate": 0, "rejected": 0, "errors": 0}
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS + 1)

    def worker(mine):
        clients = {}
        barrier.wait()
        for token, body in mine:
            client = clients.setdefault(token, Http(port, token))
            status, answer = client.call("POST", "/api/v1/health/readings", body)
            with lock:
                if status != 200:
                    totals["errors"] += 1
                    continue
                answer = json.loads(answer)
                for key in ("stored", "duplicate", "rejected"):
                    totals[key] += answer[key]

    threads = [threading.Thread(target=worker, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - started, totals


def _trivial_rps(port: int, token: str, seconds: float) -> float:
    def calls(_i):
        client = Http(port, token)
        while True:
            yield client.call("GET", "/api/v1/me")[0] == 200

    return successes_per_second(CLIENTS, seconds, calls)


def _probe(port: int, probe_token: str, medic_token: str, elders: list[tuple[int, str]], stop: threading.Event,
           latencies: list[float]) -> None:
    """One urgent reading at a time, each for a fresh elder; time until the alert is in the queue."""
    device, medic = Http(port, probe_token), Http(port, medic_token)
    for sequence, (elder_id, uid) in enumerate(elders):
        if stop.is_set():
            return
        body = json.dumps({"readings": [{"card_uid": uid, "kind": "bp", "systolic": 200, "diastolic": 120,
                                         "sequence": sequence,
                                         "measured_at": dt.datetime.now(dt.UTC).isoformat()}]}).encode()
        started = time.perf_counter()
        status, _ = device.call("POST", "/api/v1/health/readings", body)
        while status == 200:
            status, answer = medic.call("GET", f"/api/v1/health/alerts?elder_id={elder_id}&severity=urgent")
            if status == 200 and json.loads(answer)["count"]:
                latencies.append((time.perf_counter() - started) * 1000)
                break
            if time.perf_counter() - started > 30:
                latencies.append(30_000.0)
                break
            time.sleep(0.01)
        stop.wait(0.3)


def run(quick: bool = False) -> dict:
    from timebank.health.models import Alert, Reading

    readings, elders = (20_000, 2_000) if quick else (200_000, 20_000)
    warm = STATIONS * BATCH  # one batch per device first, untimed: every worker has its connection and code warm
    started = time.perf_counter()
    tokens, probe_token, probe_elders, medic_token = _world(elders)
    per_device = _payloads(readings + warm, elders)
    print(f"  data: {elders:,} elders with cards, {readings + warm:,} readings prepared in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    log = tempfile.TemporaryFile(mode="w+")
    server, port = start_server(log)
    try:
        _trivial_rps(port, medic_token, 2)  # warm every worker
        _post_all(port, tokens, [batches[:1] for batches in per_device])
        trivial_seconds = 5 if quick else 10
        cpu = CpuMeter(server.pid).start()
        trivial = _trivial_rps(port, medic_token, trivial_seconds)
        trivial_cpu = sum(cpu.stop()) / max(1, trivial * trivial_seconds)
        stop, latencies = threading.Event(), []
        prober = threading.Thread(target=_probe, args=(port, probe_token, medic_token, probe_elders, stop, latencies))
        cpu = CpuMeter(server.pid).start()
        prober.start()
        seconds, totals = _post_all(port, tokens, [batches[1:] for batches in per_device])
        stop.set()
        prober.join()
        app_cpu, db_cpu = cpu.stop()
        ingest_cpu = app_cpu + db_cpu
        db_share = db_cpu / ingest_cpu if ingest_cpu else 0
        replay_seconds, replay = _post_all(port, tokens, per_device)
        trivial_after = _trivial_rps(port, medic_token, trivial_seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.seek(0)
        print("".join([line for line in log if line.strip()][:20]), end="")
    rows = Reading.objects.exclude(device__serial="BENCH-PROBE").count()
    per_s = readings / seconds
    batch_rps = readings / BATCH / seconds
    trivial_mean = (trivial + trivial_after) / 2
    # CPU (app workers + their database backends): readings per CPU-second against trivial requests per CPU-second.
    readings_per_cpu_s = readings / ingest_cpu if ingest_cpu else 0
    trivial_per_cpu_s = 1 / trivial_cpu if trivial_cpu else 0
    figures = {
        "health_ingest.readings": readings, "health_ingest.batch": BATCH, "health_ingest.clients": CLIENTS,
        "health_ingest.elders": elders, "health_ingest.seconds": round(seconds, 1),
        "health_ingest.readings_per_s": round(per_s),
        "health_ingest.trivial_rps": round(trivial_mean, 1),
        "health_ingest.trivial_rps_before": round(trivial, 1), "health_ingest.trivial_rps_after": round(trivial_after, 1),
        "health_ingest.ratio_vs_trivial": round(per_s / trivial_mean, 2) if trivial_mean else 0,
        "health_ingest.batch_vs_trivial": round(batch_rps / trivial_mean, 3) if trivial_mean else 0,
        "health_ingest.cpu_ms_per_batch": round(ingest_cpu / (readings / BATCH) * 1000, 1),
        "health_ingest.cpu_database_share": round(db_share, 2),
        "health_ingest.trivial_cpu_ms": round(trivial_cpu * 1000, 2),
        "health_ingest.readings_per_cpu_s": round(readings_per_cpu_s),
        "health_ingest.cpu_ratio_vs_trivial": round(readings_per_cpu_s / trivial_per_cpu_s, 2) if trivial_cpu else 0,
        "health_ingest.stored": totals["stored"], "health_ingest.rejected": totals["rejected"],
        "health_ingest.http_errors": totals["errors"] + replay["errors"], "health_ingest.rows": rows,
        "health_ingest.alerts_opened": Alert.objects.count(),
        "health_ingest.replay_readings_per_s": round((readings + warm) / replay_seconds),
        "health_ingest.replay_duplicates": replay["duplicate"], "health_ingest.replay_stored": replay["stored"],
        "health_ingest.load_average": round(os.getloadavg()[0], 1),
        "health_ingest.measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "health_alert.probes": len(latencies),
    }
    if latencies:
        figures.update({"health_alert.latency_p50_ms": round(statistics.median(latencies), 1),
                        "health_alert.latency_p95_ms": round(_percentile(latencies, 95), 1),
                        "health_alert.latency_max_ms": round(max(latencies), 1)})
    print(f"  ingest: {per_s:,.0f} readings/s ({batch_rps:.1f} batches of {BATCH}/s, {CLIENTS} clients) vs trivial "
          f"{trivial_mean:,.0f} req/s (before {trivial:,.0f}, after {trivial_after:,.0f}): ratio "
          f"{figures['health_ingest.ratio_vs_trivial']} readings per trivial request "
          f"({figures['health_ingest.batch_vs_trivial']} batch/trivial)", flush=True)
    print(f"  CPU (workers + their PostgreSQL backends): {figures['health_ingest.cpu_ms_per_batch']} ms per batch "
          f"({db_share:.0%} in PostgreSQL), "
          f"{figures['health_ingest.trivial_cpu_ms']} ms per trivial request → {readings_per_cpu_s:,.0f} readings "
          f"per CPU-second, {figures['health_ingest.cpu_ratio_vs_trivial']} readings per trivial request's CPU; "
          f"load average {figures['health_ingest.load_average']}", flush=True)
    print(f"  stored {totals['stored']:,}, rejected {totals['rejected']:,}, rows {rows:,} (with {warm:,} warm-up), "
          f"alerts {figures['health_ingest.alerts_opened']:,}, HTTP errors {figures['health_ingest.http_errors']}",
          flush=True)
    print(f"  replay of every batch: {replay['duplicate']:,} duplicates, {replay['stored']:,} stored "
          f"({figures['health_ingest.replay_readings_per_s']:,} readings/s)", flush=True)
    if latencies:
        print(f"  urgent reading → alert in queue, {len(latencies)} probes under load: p50 "
              f"{figures['health_alert.latency_p50_ms']} ms, p95 {figures['health_alert.latency_p95_ms']} ms, "
              f"max {figures['health_alert.latency_max_ms']} ms", flush=True)
    return figures
