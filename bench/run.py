"""`make bench`: benchmarks on PostgreSQL. Each prints a ratio against a reference measured in the
same run and the figures go to bench/results.json. Nothing here asserts a timing."""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"


def recreate_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", action="append",
                        help="run only these suites (ledger, demands, health, stats, roster_import or imports, clearing, large)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    print(f"== preparing {url.rsplit('/', 1)[1]} ==", flush=True)
    recreate_database(url)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timebank.settings")
    os.environ["DJANGO_DEBUG"] = "false"
    # Production refuses to start without its own keys; the benchmarks' databases hold only generated people.
    # The development-derived field key stays last so that a city generated before keys were separate opens.
    from timebank.lib import keys

    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdefghij")
    os.environ.setdefault("TIMEBANK_FIELD_KEYS", "YmVuY2gtb25seS1maWVsZC1rZXktMzItYnl0ZXMhIT0=,"
                          + keys.legacy_field_key(keys.DEV_SECRET_KEY))
    os.environ.setdefault("TIMEBANK_HASH_KEY", "bench-only-lookup-hash-key-0123456789abcdef")
    os.environ.setdefault("TIMEBANK_LEDGER_KEY", "bench-only-ledger-mac-key-0123456789abcdef")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")  # the benchmarks' test client speaks plain HTTP
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bench import clearing, demands, health, imports, large, ledger, stats

    suites = {"ledger": ledger.run, "demands": demands.run, "health": health.run, "stats": stats.run,
              "roster_import": imports.run, "clearing": clearing.run, "large": large.run}
    aliases = {"imports": "roster_import", "health_ingest": "health"}
    if args.only:
        args.only = [aliases.get(name, name) for name in args.only]
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name, run in suites.items():
        if args.only and name not in args.only:
            continue
        print(f"== {name} ==", flush=True)
        started = time.perf_counter()
        figures = run(quick=args.quick)
        # A suite may name its figures in full ("health_alert.latency_p95_ms"); others get its name in front.
        results.update({k if "." in k else f"{name}.{k}": v for k, v in figures.items()})
        print(f"({name} took {time.perf_counter() - started:.0f} s)", flush=True)
    results["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
