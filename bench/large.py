"""Large tables: the passbook and the dashboard with 10^8 transfers in the monthly partitioned ledger
(PostgreSQL database `timebank_largebench`, kept between runs).

What is in it, honestly: a `generate_city` bank (20,000 members, 200,000 sealed transfers, its
statistics rollups), then bulk transfers appended by SQL up to the target count, spread over the last
120 months, each month's rows in its own partition with ids from the month's block: service credits
from the first street's issuance account to the bank's members, 30–120 minutes each. The bulk rows are written with
the database's triggers off (`session_replication_role = replica`, superuser) — at the posting
triggers' pace 10^8 rows would take most of a day — and the account totals are then added in one
UPDATE per chunk, so `verify_ledger`'s totals still hold; they carry no fingerprint and no seal (the
`bulk_rows_unsealed` figure), so this database is for measuring size, not for `verify_ledger`.

Measured against `/healthz` in the same process: the member's passbook page (the member with the
most transfers, and a typical one), its API twin, the same two for one long-serving member
(LONG_SERVING: 5,000 service credits over 120 months, in the quick run too), and the bank dashboard."""
import json
import os
import sys
import time

FULL = {"transfers": 100_000_000, "months": 120}
QUICK = {"transfers": 2_000_000, "months": 24}
CITY = {"members": 20_000, "demands": 20_000, "transfers": 200_000, "seed": 3, "bank_code": "large"}
RUNS = 15
CHUNK = 1_000_000
# One long-serving volunteer with this many service credits over the last 120 months (about 42 a month),
# in the quick run too: the passbook's cost follows the member's own history, not the table's.
LONG_SERVING = {"transfers": 5_000, "months": 120}


def database_url() -> str:
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    return os.environ.get("LARGE_DATABASE_URL", f"{base}/timebank_largebench")


def run(quick: bool = False) -> dict:
    from bench.stats import run_in_database

    return run_in_database("bench.large", database_url(), quick)


# ---- the worker, inside its own database --------------------------------------------------------------

def _months_back(count: int) -> list[int]:
    import datetime as dt

    from timebank.lib import partitions

    today = dt.datetime.now(partitions.LOCAL)
    y, m, months = today.year, today.month, []
    for _ in range(count):
        months.append(y * 100 + m)
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return sorted(months)


def bulk(bank, target: int, months: int) -> dict:
    """Append transfers by SQL until the bank holds `target`, month by month (oldest first)."""
    from django.db import connection, transaction

    from timebank.ledger.models import Account, AccountKind, Transfer
    from timebank.lib import partitions

    have = Transfer.objects.filter(bank=bank).count()
    missing = target - have
    if missing <= 0:
        print(f"  bulk: the bank holds {have:,} transfers already (the bulk figures are the run that wrote them)",
              flush=True)
        return {"bulk_reused": True}
    issuance = Account.objects.filter(bank=bank, kind=AccountKind.ISSUANCE, currency="time").order_by("pk")[0].pk
    members = list(Account.objects.filter(bank=bank, kind=AccountKind.MEMBER, currency="time")
                   .order_by("pk").values_list("pk", flat=True))
    month_list = _months_back(months)
    per_month = -(-missing // len(month_list))
    started, added = time.perf_counter(), 0
    for month in month_list:
        lo = partitions.block_start(month)
        partitions.ensure_for_ids("ledger_transfer", [lo])
        rows_left = min(per_month, missing - added)
        while rows_left > 0:
            n = min(CHUNK, rows_left)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute("SELECT coalesce(max(id), %s - 1) + 1 FROM ledger_transfer WHERE id >= %s AND id < %s",
                               [lo, lo, lo + partitions.BLOCK])
                first = cursor.fetchone()[0]
                start = f"{month // 100}-{month % 100:02d}-01 00:00:00+08"
                cursor.execute(
                    "INSERT INTO ledger_transfer (id, bank_id, debit_id, credit_id, amount, currency, kind, status, "
                    "subject_type, subject_id, memo, created_at, mac) "
                    "SELECT %s + g, %s, %s, (%s::bigint[])[1 + (g * 7919) %% %s], 30 + (g * 31) %% 91, 'time', "
                    "'service_credit', 'posted', 'bench.bulk', '', '', "
                    "%s::timestamptz + (interval '27 days') * (g::float8 / %s), 'bulk' "
                    "FROM generate_series(0::bigint, %s::bigint - 1) AS g",
                    [first, bank.pk, issuance, members, len(members), start, n, n])
                # The totals the posting triggers would have added.
                cursor.execute(
                    "UPDATE ledger_account a SET posted_credits = a.posted_credits + s.total FROM ("
                    "SELECT credit_id, sum(amount) AS total FROM ledger_transfer WHERE id >= %s AND id < %s "
                    "GROUP BY credit_id) s WHERE a.id = s.credit_id", [first, first + n])
                cursor.execute(
                    "UPDATE ledger_account SET posted_debits = posted_debits + (SELECT sum(amount) FROM ledger_transfer "
                    "WHERE id >= %s AND id < %s) WHERE id = %s", [first, first + n, issuance])
            added += n
            rows_left -= n
            elapsed = time.perf_counter() - started
            print(f"  bulk: {month} +{n:,} → {have + added:,} transfers ({added / elapsed:,.0f} rows/s)", flush=True)
    with connection.cursor() as cursor:
        # Ids written by hand in the sequence's own block: the sequence moves past them.
        cursor.execute("SELECT setval(pg_get_serial_sequence('ledger_transfer', 'id'), greatest("
                       "(SELECT last_value FROM ledger_transfer_id_seq), (SELECT max(id) FROM ledger_transfer)))")
        cursor.execute("ANALYZE ledger_transfer")
        cursor.execute("ANALYZE ledger_account")
    seconds = round(time.perf_counter() - started, 1)
    return {"bulk_seconds": seconds, "bulk_rows_added": added, "bulk_reused": False,
            "bulk_rows_per_s": round(added / seconds) if seconds else None}


def ensure_long_serving(bank) -> int:
    """The account of one member with LONG_SERVING's history, appended by SQL like the bulk (once)."""
    from django.db import connection, transaction

    from timebank.ledger.models import Account, AccountKind, Transfer
    from timebank.lib import partitions

    account = Account.objects.filter(bank=bank, kind=AccountKind.MEMBER, currency="time").order_by("pk")[2]
    if Transfer.objects.filter(credit=account, subject_type="bench.heavy").exists():
        return account.pk
    issuance = Account.objects.filter(bank=bank, kind=AccountKind.ISSUANCE, currency="time").order_by("pk")[0].pk
    month_list = _months_back(LONG_SERVING["months"])
    per_month = -(-LONG_SERVING["transfers"] // len(month_list))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for month in month_list:
            lo = partitions.block_start(month)
            partitions.ensure_for_ids("ledger_transfer", [lo])
            cursor.execute("SELECT coalesce(max(id), %s - 1) + 1 FROM ledger_transfer WHERE id >= %s AND id < %s",
                           [lo, lo, lo + partitions.BLOCK])
            first = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO ledger_transfer (id, bank_id, debit_id, credit_id, amount, currency, kind, status, "
                "subject_type, subject_id, memo, created_at, mac) "
                "SELECT %s + g, %s, %s, %s, 60, 'time', 'service_credit', 'posted', 'bench.heavy', '', '', "
                "%s::timestamptz + (interval '27 days') * (g::float8 / %s), 'bulk' "
                "FROM generate_series(0::bigint, %s::bigint - 1) AS g",
                [first, bank.pk, issuance, account.pk, f"{month // 100}-{month % 100:02d}-01 00:00:00+08",
                 per_month, per_month])
        added = per_month * len(month_list)
        cursor.execute("UPDATE ledger_account SET posted_credits = posted_credits + %s WHERE id = %s",
                       [60 * added, account.pk])
        cursor.execute("UPDATE ledger_account SET posted_debits = posted_debits + %s WHERE id = %s",
                       [60 * added, issuance])
        cursor.execute("SELECT setval(pg_get_serial_sequence('ledger_transfer', 'id'), greatest("
                       "(SELECT last_value FROM ledger_transfer_id_seq), (SELECT max(id) FROM ledger_transfer)))")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ledger_transfer")
    return account.pk


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def measure(bank, long_serving_account: int) -> dict:
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from bench.stats import _timed_get
    from timebank.ledger.models import Account, Transfer
    from timebank.lib import partitions
    from timebank.orgs.models import RoleGrant
    from timebank.orgs.roles import Role

    out = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ledger_transfer")
        out["transfers"] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        out["database_gb"] = round(cursor.fetchone()[0] / 2**30, 1)
    parts = partitions.describe("ledger_transfer")
    out["partitions"] = len(parts)
    out["bulk_rows_unsealed"] = Transfer.objects.filter(bank=bank, subject_type="bench.bulk").count()
    busiest = (Transfer.objects.filter(bank=bank, subject_type="bench.bulk").values("credit_id")
               .annotate(n=Count("id")).order_by("-n").first()) if out["transfers"] <= 5_000_000 else None
    account = Account.objects.get(pk=busiest["credit_id"]) if busiest else \
        Account.objects.filter(bank=bank, kind="member", currency="time").order_by("pk")[1]
    out["passbook_member_transfers"] = Transfer.objects.filter(credit=account).count()
    print(f"  {out['transfers']:,} transfers in {out['partitions']} partitions, database {out['database_gb']} GB; "
          f"the member's account has {out['passbook_member_transfers']:,} transfers", flush=True)
    client = Client()
    trivial, _ = _timed_get(client, "/healthz", RUNS)
    t50 = _percentile(trivial, 50)
    figures = {}
    long_serving = Account.objects.get(pk=long_serving_account)
    out["long_serving_member_transfers"] = Transfer.objects.filter(credit=long_serving).count()
    print(f"  the long-serving member's account has {out['long_serving_member_transfers']:,} transfers", flush=True)
    for prefix, who in (("", account), ("long_serving_", long_serving)):
        client.force_login(who.owner)
        for name, path in (("passbook", reverse("ledger:mine")),
                           ("passbook_api", f"/api/v1/accounts/{who.pk}/transfers")):
            times, response = _timed_get(client, path, RUNS)
            assert response.status_code == 200, (path, response.status_code)
            figures[prefix + name] = times
    admin = RoleGrant.objects.filter(node=bank, role=Role.BANK_ADMIN).first().person
    client.force_login(admin)
    times, response = _timed_get(client, f"{reverse('stats:dashboard')}?node={bank.pk}&period=month", RUNS)
    assert response.status_code == 200, response.status_code
    figures["dashboard"] = times
    out["trivial_p50_ms"] = round(t50, 2)
    for name, times in figures.items():
        p50, p95 = _percentile(times, 50), _percentile(times, 95)
        out[f"{name}_p50_ms"], out[f"{name}_p95_ms"] = round(p50, 1), round(p95, 1)
        out[f"{name}_ratio_vs_trivial"] = round(p50 / t50, 1) if t50 else None
        print(f"  {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {RUNS} runs; /healthz p50 {t50:.1f} ms; "
              f"ratio {p50 / t50:.1f}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT id FROM ledger_transfer WHERE credit_id = %s "
                       "ORDER BY id DESC LIMIT 20", [account.pk])
        plan = cursor.fetchone()[0][0]
    out["passbook_query_ms"] = round(plan["Execution Time"], 2)
    out["passbook_query_partitions_read"] = _partitions_read(plan["Plan"])
    print(f"  the passbook's query (newest 20 of the account): {out['passbook_query_ms']} ms", flush=True)
    return out


def _partitions_read(node: dict) -> int:
    """How many partitions the plan actually read (scans with at least one loop)."""
    own = 1 if node.get("Relation Name", "").startswith("ledger_transfer_p") and node.get("Actual Loops", 0) else 0
    return own + sum(_partitions_read(child) for child in node.get("Plans", []))


def ensure_bank():
    from django.core.management import call_command

    from timebank.orgs.models import Node, NodeKind

    bank = Node.objects.filter(kind=NodeKind.BANK, code=CITY["bank_code"]).first()
    if bank is None:
        print(f"  generating the bank: {CITY}", flush=True)
        call_command("generate_city", **CITY)
        bank = Node.objects.get(kind=NodeKind.BANK, code=CITY["bank_code"])
    return bank


def worker(quick: bool) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    params = QUICK if quick else FULL
    bank = ensure_bank()
    figures = bulk(bank, params["transfers"], params["months"])
    figures.update(measure(bank, ensure_long_serving(bank)))
    return figures


if __name__ == "__main__":
    if "--worker" in sys.argv:
        result = worker("--quick" in sys.argv)
        print("RESULT " + json.dumps(result), flush=True)
