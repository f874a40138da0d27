"""Statistics at city scale: on `generate_city` data of 1,000,000 members and 10,000,000 transfers
(PostgreSQL database `timebank_citybench`, kept between runs), the bank dashboard's render time
against a trivial page of our own server measured in the same run, and a branch's people export.

The city lives in its own database, not the suite's (which `bench.run` recreates every time): the
suite runs this module as a subprocess against it. The city is generated once; a later run finds
the bank with the same parameters (recorded as the database's comment, checked against the row
counts) and reuses it."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FULL = {"members": 1_000_000, "demands": 1_000_000, "transfers": 10_000_000, "seed": 1, "bank_code": "city"}
QUICK = {"members": 20_000, "demands": 20_000, "transfers": 200_000, "seed": 1, "bank_code": "cityquick"}
RUNS = 15


def city_database_url() -> str:
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    return os.environ.get("STATS_DATABASE_URL", f"{base}/timebank_citybench")


def _ensure_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def run(quick: bool = False) -> dict:
    return run_in_database("bench.stats", city_database_url(), quick)


def run_in_database(module: str, url: str, quick: bool) -> dict:
    """Run `python -m <module> --worker` against the database at `url` (made if missing), pass its output
    through, and return the figures it prints on its `RESULT {json}` line."""
    _ensure_database(url)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "false", "DJANGO_SETTINGS_MODULE": "timebank.settings"}
    cmd = [sys.executable, "-m", module, "--worker"] + (["--quick"] if quick else [])
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    figures = {}
    for line in proc.stdout:
        if line.startswith("RESULT "):
            figures = json.loads(line[len("RESULT "):])
        else:
            print(line, end="", flush=True)
    if proc.wait() != 0:
        raise RuntimeError(f"the benchmark {module} failed (exit {proc.returncode})")
    return figures


# ---- the worker, inside the city's database ---------------------------------------------------------

def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def _marker() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()")
        text = cursor.fetchone()[0]
    try:
        return json.loads(text or "{}")
    except ValueError:
        return {}


def _set_marker(marker: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        name = cursor.fetchone()[0]
        text = json.dumps(marker).replace("'", "''")
        cursor.execute(f"COMMENT ON DATABASE \"{name}\" IS '{text}'")


def _counts(bank) -> dict:
    from django.db.models import Q

    from timebank.demands.models import Demand
    from timebank.ledger.models import Transfer
    from timebank.people.models import Person

    return {"members": Person.objects.filter(Q(is_elder=True) | Q(is_volunteer=True), bank=bank).count(),
            "demands": Demand.objects.filter(bank=bank).count(),
            "transfers": Transfer.objects.filter(bank=bank).count()}


def ensure_city(params: dict) -> tuple[object, dict]:
    """The generated bank with these parameters: reused when there, generated otherwise."""
    from django.core.management import call_command

    from timebank.orgs.models import Node, NodeKind

    figures = {}
    bank = Node.objects.filter(kind=NodeKind.BANK, code=params["bank_code"]).first()
    marker = _marker().get(params["bank_code"], {})
    if bank is not None:
        counts = _counts(bank)
        wanted = {k: params[k] for k in ("members", "demands", "transfers")}
        if counts != wanted or marker.get("params") != params:
            raise SystemExit(f"bank {params['bank_code']!r} in this database holds {counts}, not {wanted} "
                             f"(marker {marker}); drop the database {city_database_url().rsplit('/', 1)[1]} and run again")
        print(f"  reusing the city generated earlier ({counts['members']:,} members, {counts['transfers']:,} "
              f"transfers; generated in {marker.get('seconds')} s)", flush=True)
        figures["generate_city_s"] = marker.get("seconds")
        figures["generate_city_reused"] = True
        return bank, figures
    print(f"  generating the city: {params}", flush=True)
    started = time.perf_counter()
    call_command("generate_city", members=params["members"], demands=params["demands"],
                 transfers=params["transfers"], seed=params["seed"], bank_code=params["bank_code"])
    seconds = round(time.perf_counter() - started, 1)
    all_markers = _marker()
    all_markers[params["bank_code"]] = {"params": params, "seconds": seconds,
                                        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if _stats_installed():  # generate_city rebuilt the rollups (and vacuumed them) itself
        all_markers[params["bank_code"]]["rollups_rebuilt_s"] = "in generate_city"
    _set_marker(all_markers)
    figures.update(generate_city_s=seconds, generate_city_reused=False)
    bank = Node.objects.get(kind=NodeKind.BANK, code=params["bank_code"])
    return bank, figures


def verify(bank) -> dict:
    from timebank.ledger import chain

    report = chain.verify(bank.pk)
    print(f"  verify_ledger (this bank): {report.transfers:,} transfers, {report.sealed:,} sealed, "
          f"{'OK' if report.ok else 'FAILED: ' + '; '.join(report.problems[:3])} in {report.seconds:.0f} s", flush=True)
    return {"verify_ok": report.ok, "verify_s": round(report.seconds, 1)}


def reconcile(bank, params: dict) -> dict:
    """generate_city writes raw rows only: the stats app's daily rollups are rebuilt from them once
    (`stats_reconcile --rebuild`, as after any bulk load), and that is recorded in the marker."""
    from django.core.management import call_command

    if not _stats_installed():
        return {}
    markers = _marker()
    done = markers.get(params["bank_code"], {}).get("rollups_rebuilt_s")
    if done is not None:
        return {"rollups_rebuild_s": done} if isinstance(done, int | float) else {}
    started = time.perf_counter()
    call_command("stats_reconcile", bank=params["bank_code"], rebuild=True)
    seconds = round(time.perf_counter() - started, 1)
    print(f"  stats_reconcile --rebuild: {seconds} s", flush=True)
    # (the command then VACUUM ANALYZEs the rollup tables: stale planner statistics made the dashboard slow)
    markers.setdefault(params["bank_code"], {})["rollups_rebuilt_s"] = seconds
    _set_marker(markers)
    return {"rollups_rebuild_s": seconds}


def sizes(bank) -> dict:
    from django.db import connection

    from timebank.demands.models import Assignment

    out = _counts(bank)
    out["assignments"] = Assignment.objects.filter(demand__bank=bank).count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        out["database_mb"] = round(cursor.fetchone()[0] / 2**20)
    print(f"  data: {out['members']:,} members, {out['demands']:,} demands, {out['assignments']:,} assignments, "
          f"{out['transfers']:,} transfers; database {out['database_mb']:,} MB", flush=True)
    return out


def _timed_get(client, path: str, runs: int) -> tuple[list[float], object]:
    response = client.get(path)  # warm-up (and the status to check)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    return times, response


def dashboard(bank, client) -> dict:
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("stats:dashboard")
    except NoReverseMatch:
        print("  dashboard: SKIPPED — the stats app (URL name stats:dashboard) is not installed in this tree", flush=True)
        return {"dashboard_skipped": True}
    trivial, _ = _timed_get(client, "/healthz", RUNS)
    times, response = _timed_get(client, f"{url}?node={bank.pk}&period=month", RUNS)
    if response.status_code != 200:
        print(f"  dashboard: HTTP {response.status_code} — not measured", flush=True)
        return {"dashboard_skipped": True, "dashboard_status": response.status_code}
    p50, p95, t50 = _percentile(times, 50), _percentile(times, 95), _percentile(trivial, 50)
    print(f"  bank dashboard (month): p50 {p50:.0f} ms, p95 {p95:.0f} ms over {RUNS} runs (target < 300 ms); "
          f"/healthz p50 {t50:.1f} ms; ratio {p50 / t50:.1f}", flush=True)
    return {"dashboard_p50_ms": round(p50, 1), "dashboard_p95_ms": round(p95, 1), "trivial_p50_ms": round(t50, 2),
            "dashboard_ratio_vs_trivial": round(p50 / t50, 1) if t50 else None,
            "dashboard_runs": RUNS, "dashboard_skipped": False}


def export(bank) -> dict:
    """The biggest branch's people as XLSX: its branch admin's people list, unfiltered, covers the
    whole branch (the first street holds ~11% of the members, ~110,000 of a million)."""
    import io

    from django.db.models import Count, Q
    from django.test import Client
    from django.urls import reverse

    from timebank.orgs.models import Node, NodeKind, RoleGrant
    from timebank.orgs.roles import Role

    if not _stats_installed():
        print("  export: SKIPPED — waits for the stats app (XLSX beside every staff export)", flush=True)
        return {"export_skipped": True}
    branch = (Node.objects.filter(bank=bank, kind=NodeKind.BRANCH)
              .annotate(n=Count("children__people", filter=Q(children__people__is_elder=True)
                                | Q(children__people__is_volunteer=True)))
              .order_by("-n").first())
    client = Client()
    client.force_login(RoleGrant.objects.filter(node=branch, role=Role.BRANCH_ADMIN, revoked_at__isnull=True)
                       .first().person)
    started = time.perf_counter()
    response = client.get(f"{reverse('people:list')}?format=xlsx")
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    seconds = time.perf_counter() - started
    if response.status_code != 200 or not body.startswith(b"PK"):
        print(f"  export: HTTP {response.status_code}, not an XLSX file — not measured", flush=True)
        return {"export_skipped": True, "export_status": response.status_code}
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    rows = max(0, sum(1 for _ in sheet.iter_rows()) - 1)
    print(f"  branch export ({branch.name}, {branch.n:,} members, as its branch admin): {rows:,} rows, "
          f"{len(body) / 2**20:.1f} MB in {seconds:.1f} s (target < 10 s)", flush=True)
    return {"export_rows": rows, "export_s": round(seconds, 2), "export_mb": round(len(body) / 2**20, 1),
            "export_skipped": False}


def _stats_installed() -> bool:
    from django.apps import apps

    return apps.is_installed("timebank.stats")


def worker(quick: bool) -> dict:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from timebank.orgs.models import RoleGrant
    from timebank.orgs.roles import Role

    call_command("migrate", verbosity=0)
    params = QUICK if quick else FULL
    bank, figures = ensure_city(params)
    figures.update(sizes(bank))
    figures.update(verify(bank))
    figures.update(reconcile(bank, params))
    setup_test_environment()  # lets the test client in (ALLOWED_HOSTS), as a browser would be
    admin = RoleGrant.objects.filter(node=bank, role=Role.BANK_ADMIN, revoked_at__isnull=True).first().person
    client = Client()
    client.force_login(admin)
    figures.update(dashboard(bank, client))
    figures.update(export(bank))
    return figures


if __name__ == "__main__":
    if "--worker" in sys.argv:
        result = worker(quick="--quick" in sys.argv)
        print("RESULT " + json.dumps(result), flush=True)
