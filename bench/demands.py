"""Demand benchmarks through the real HTTP server (gunicorn, production settings, PostgreSQL):
a claim storm of 500 concurrent requests on a 5-place demand, and the volunteer feed on
1,000,000 demands and 100,000 members — in process (p95) and in requests/s against a trivial
JSON endpoint of our own server (`GET /api/v1/me`) measured in the same run."""
import datetime as dt
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from django.db import connection

from bench import wrk

ROOT = Path(__file__).resolve().parent.parent
BRANCHES, STATIONS_PER_BRANCH = 12, 10
STORM = 500
CLIENTS = 16


def _percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def _world(members: int, demands: int):
    from timebank.demands.models import ServiceType
    from timebank.orgs.models import NodeKind
    from timebank.orgs.services import node_create
    from timebank.people.models import Person

    rng = random.Random(7)
    platform = node_create(actor=None, parent=None, kind=NodeKind.PLATFORM, name="bench")
    bank = node_create(actor=None, parent=platform, kind=NodeKind.BANK, name="bench bank")
    stations = []
    for b in range(BRANCHES):
        branch = node_create(actor=None, parent=bank, kind=NodeKind.BRANCH, name=f"branch {b}")
        for s in range(STATIONS_PER_BRANCH):
            stations.append(node_create(actor=None, parent=branch, kind=NodeKind.STATION, name=f"station {b}.{s}",
                                        latitude=31.25 + rng.random() * 0.1, longitude=121.45 + rng.random() * 0.1))
    # The first STORM + 1 live in branch 0, where the claim storm happens.
    people = [Person(name=f"v{i}", bank=bank, node=stations[i % (STATIONS_PER_BRANCH if i <= STORM else len(stations))],
                     is_volunteer=True,
                     volunteer_status="approved", mobile=f"19{i:09d}") for i in range(members)]
    Person.objects.bulk_create(people, batch_size=5000)
    types = list(ServiceType.objects.filter(bank=bank, required_certificate="").values_list("pk", flat=True))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO demands_demand (bank_id, branch_id, station_id, for_community, service_type_id, address,
                latitude, longitude, starts_at, ends_at, headcount, claimed_count, notes, payer, status, created_at,
                cancel_reason)
            SELECT %s, (%s::bigint[])[1 + g %% %s], (%s::bigint[])[1 + g %% %s], false,
                   (%s::bigint[])[1 + g %% %s], '',
                   (%s::float8[])[1 + g %% %s] + (random() - 0.5) * 0.01,
                   (%s::float8[])[1 + g %% %s] + (random() - 0.5) * 0.01,
                   t, t + interval '1 hour', 1 + g %% 3, 0, '', 'branch',
                   CASE WHEN t > now() THEN 'published' ELSE 'completed' END, now(), ''
            FROM generate_series(1, %s) AS g,
                 LATERAL (SELECT date_trunc('hour', now()) - interval '300 days'
                                 + (g::float8 / %s) * interval '360 days' AS t) AS times
        """, [bank.pk, [s.parent_id for s in stations], len(stations), [s.pk for s in stations], len(stations),
              types, len(types), [s.latitude for s in stations], len(stations), [s.longitude for s in stations],
              len(stations), demands, demands])
        # Past services of the volunteers, so the feed's "not already mine" checks meet real rows.
        cursor.execute("""
            INSERT INTO demands_assignment (demand_id, volunteer_id, status, starts_at, ends_at, claimed_at,
                dispatched, check_in_method, paper_reason, comment, auto_confirmed, dispute_reason, resolution,
                credit_transfer_ids, credit_error, served_minutes)
            SELECT d.id, p.id, 'credited', d.starts_at, d.ends_at, d.starts_at, false, 'gps', '', '', false, '', '',
                   '[]'::jsonb, '', 60
            FROM (SELECT id, starts_at, ends_at, row_number() OVER (ORDER BY id) AS n FROM demands_demand
                  WHERE status = 'completed' AND bank_id = %s LIMIT %s) d
            JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM people_person WHERE bank_id = %s) p
              ON p.n = 1 + (d.n %% %s)
        """, [bank.pk, demands // 5, bank.pk, members])
        cursor.execute("ANALYZE")
    print(f"  data: {demands:,} demands, {members:,} members in {time.perf_counter() - started:.0f} s", flush=True)
    return bank, stations


def feed_in_process(bank, samples: int) -> dict:
    from timebank.demands import selectors
    from timebank.people.models import Person

    rng = random.Random(3)
    ids = list(Person.objects.filter(bank=bank).values_list("pk", flat=True))
    volunteers = [Person.objects.select_related("node").get(pk=pk) for pk in rng.sample(ids, samples)]
    selectors.volunteer_feed(volunteers[0])  # warm up
    times, sizes = [], []
    for volunteer in volunteers:
        started = time.perf_counter()
        items = selectors.volunteer_feed(volunteer)
        times.append((time.perf_counter() - started) * 1000)
        sizes.append(len(items))
    return {"feed_p50_ms": round(_percentile(times, 50), 1), "feed_p95_ms": round(_percentile(times, 95), 1),
            "feed_items_mean": round(statistics.mean(sizes), 1)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(log) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {**os.environ, "DJANGO_DEBUG": "false", "DATABASE_CONN_MAX_AGE": "60", "DJANGO_LOG_LEVEL": "ERROR",
           "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost"}
    workers = str(max(2, (os.cpu_count() or 1) * 2 + 1))
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "timebank.wsgi:application",
                               "--bind", f"127.0.0.1:{port}", "--workers", workers, "--backlog", "2048",
                               "--log-level", "warning"], cwd=ROOT, env=env, stderr=log)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def _request(port: int, method: str, path: str, token: str, conn=None):
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request(method, path, body=b"{}" if method == "POST" else None,
                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, response.read(), conn


def claim_storm(port: int, bank, stations) -> dict:
    from timebank.demands import services
    from timebank.demands.models import Assignment, ServiceType
    from timebank.people.models import Person
    from timebank.people.services import api_token_create

    branch_id = stations[0].parent_id
    station = stations[0]
    volunteers = list(Person.objects.filter(bank=bank, node__parent_id=branch_id).order_by("id")[:STORM + 1])
    staff = volunteers.pop()
    tokens = [api_token_create(actor=v, name="bench")[1] for v in volunteers]
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    from timebank.orgs.roles import Role
    from timebank.orgs.services import role_grant

    role_grant(actor=None, person=staff, role=Role.STATION_STAFF, node=station)
    lecture = ServiceType.objects.get(bank=bank, code="health_lecture")
    demand = services.demand_create(actor=staff, station=station, service_type=lecture, starts_at=start,
                                    ends_at=start + dt.timedelta(hours=1), for_community=True, headcount=5)
    services.demand_publish(actor=staff, demand=demand)
    results, barrier = [None] * STORM, threading.Barrier(STORM)

    def fire(i):
        barrier.wait()
        began = time.perf_counter()
        try:
            status, body, conn = _request(port, "POST", f"/api/v1/demands/{demand.pk}/claim", tokens[i])
            conn.close()
            code = json.loads(body).get("code", "") if status >= 400 else ""
        except OSError as err:
            status, code = 0, type(err).__name__
        results[i] = (status, code, (time.perf_counter() - began) * 1000)

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(STORM)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = [r[0] for r in results]
    latencies = [r[2] for r in results]
    codes = sorted({r[1] for r in results if r[0] != 201})
    return {"claim_storm_requests": STORM, "claim_storm_succeeded": statuses.count(201),
            "claim_storm_4xx": sum(1 for s in statuses if 400 <= s < 500),
            "claim_storm_other": sum(1 for s in statuses if not (s == 201 or 400 <= s < 500)),
            "claim_storm_codes": codes,
            "claim_storm_rows": Assignment.objects.filter(demand=demand).count(),
            "claim_storm_p50_ms": round(_percentile(latencies, 50), 1),
            "claim_storm_p99_ms": round(_percentile(latencies, 99), 1)}, tokens, demand.pk, \
        [tokens[i] for i, r in enumerate(results) if r[0] != 201]


def successes_per_second(clients: int, seconds: float, calls) -> float:
    """`clients` threads call the server together for `seconds`: how many calls a second succeeded.
    `calls(i)` is thread i's generator: each next() makes one call and yields whether it succeeded;
    closing it closes the thread's connection."""
    done, stop, barrier = [0] * clients, [False], threading.Barrier(clients + 1)

    def worker(i):
        thread_calls = calls(i)
        barrier.wait()
        while not stop[0]:
            if next(thread_calls):
                done[i] += 1
        thread_calls.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    time.sleep(seconds)
    stop[0] = True
    for t in threads:
        t.join()
    return sum(done) / seconds


def throughput(port: int, path: str, tokens: list[str], seconds: float) -> float:
    def calls(i):
        conn, succeeded = http.client.HTTPConnection("127.0.0.1", port, timeout=60), 0
        try:
            while True:
                status, _, conn = _request(port, "GET", path, tokens[(i * 7 + succeeded) % len(tokens)], conn)
                succeeded += status == 200
                yield status == 200
        finally:
            conn.close()

    return successes_per_second(CLIENTS, seconds, calls)


def wrk_figures(port: int, tokens: list[str], demand_id: int, losers: list[str], seconds: int) -> dict:
    """The same server under wrk: a trivial request, a claim refused because the demand is full (it must
    not queue for the demand's row lock), and the feed; each as requests/s and p50/p99."""
    runs = {"trivial": wrk.run(port, "/api/v1/me", tokens, seconds=seconds),
            "claim_refused": wrk.run(port, f"/api/v1/demands/{demand_id}/claim", losers, method="POST", body="{}",
                                     seconds=seconds),
            "feed": wrk.run(port, "/api/v1/demands/feed", tokens, seconds=seconds)}
    figures = {}
    for name, result in runs.items():
        figures.update({f"wrk_{name}_rps": round(result["rps"], 1), f"wrk_{name}_p50_ms": result["p50_ms"],
                        f"wrk_{name}_p99_ms": result["p99_ms"], f"wrk_{name}_requests": result["requests"],
                        f"wrk_{name}_not_2xx": result["not_2xx"]})
    trivial = runs["trivial"]["rps"]
    figures["claim_refused_cost_vs_trivial"] = round(trivial / runs["claim_refused"]["rps"], 2)
    figures["wrk_feed_vs_trivial"] = round(runs["feed"]["rps"] / trivial, 3)
    print(f"  wrk: trivial {trivial:.0f} req/s (p99 {runs['trivial']['p99_ms']} ms); claim refused as full "
          f"{runs['claim_refused']['rps']:.0f} req/s (p99 {runs['claim_refused']['p99_ms']} ms, "
          f"{runs['claim_refused']['not_2xx']} of {runs['claim_refused']['requests']} answered 409): "
          f"{figures['claim_refused_cost_vs_trivial']}x a trivial request; feed {runs['feed']['rps']:.0f} req/s",
          flush=True)
    return figures


def argon2_cost(samples: int = 10) -> dict:
    """The production password hasher's parameters and the time one hash takes on this machine, idle."""
    from django.contrib.auth.hashers import get_hasher

    hasher = get_hasher("argon2")
    timings = []
    for i in range(samples):
        began = time.perf_counter()
        hasher.encode(f"bench-password-{i}", hasher.salt())
        timings.append((time.perf_counter() - began) * 1000)
    figures = {"argon2_time_cost": hasher.time_cost, "argon2_memory_kib": hasher.memory_cost,
               "argon2_parallelism": hasher.parallelism, "argon2_hash_ms": round(statistics.median(timings), 1)}
    print(f"  argon2 (time_cost {hasher.time_cost}, memory {hasher.memory_cost} KiB, parallelism "
          f"{hasher.parallelism}): one hash {figures['argon2_hash_ms']} ms idle", flush=True)
    return figures


def run(quick: bool = False) -> dict:
    demands, members = (50_000, 5_000) if quick else (1_000_000, 100_000)
    bank, stations = _world(members, demands)
    figures = {"demands": demands, "members": members}
    figures.update(argon2_cost())
    figures.update(feed_in_process(bank, 60 if quick else 300))
    print(f"  feed in process: p50 {figures['feed_p50_ms']} ms, p95 {figures['feed_p95_ms']} ms "
          f"({figures['feed_items_mean']} items)", flush=True)
    log = tempfile.TemporaryFile(mode="w+")
    server, port = start_server(log)
    try:
        storm, tokens, demand_id, losers = claim_storm(port, bank, stations)
        figures.update(storm)
        print(f"  claim storm: {storm['claim_storm_succeeded']} of {STORM} succeeded "
              f"(rows {storm['claim_storm_rows']}), {storm['claim_storm_4xx']} got 4xx {storm['claim_storm_codes']}, "
              f"p50 {storm['claim_storm_p50_ms']} ms, p99 {storm['claim_storm_p99_ms']} ms", flush=True)
        seconds = 5 if quick else 15
        throughput(port, "/api/v1/me", tokens, 2)  # warm the workers' connections
        trivial = throughput(port, "/api/v1/me", tokens, seconds)
        feed = throughput(port, "/api/v1/demands/feed", tokens, seconds)
        figures.update({"trivial_rps": round(trivial, 1), "feed_rps": round(feed, 1),
                        "feed_vs_trivial": round(feed / trivial, 3) if trivial else 0})
        print(f"  feed {feed:.0f} req/s vs trivial {trivial:.0f} req/s: ratio {figures['feed_vs_trivial']}",
              flush=True)
        if wrk.available():
            figures.update(wrk_figures(port, tokens, demand_id, losers, seconds))
        else:
            print("  wrk is not installed (make bench installs it): the wrk figures are left out", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.seek(0)
        # 409s are logged by Django as warnings; anything else the server said is shown.
        other = [line for line in log if line.strip() and not line.startswith("Conflict:")]
        print("".join(other[:20]), end="")
    return figures
