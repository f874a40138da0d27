"""Ledger benchmarks: the single-transfer service path against pgbench's TPC-B-like load, a group
activity's batch credit, and verify_ledger over a million transfers."""
import datetime as dt
import os
import random
import re
import subprocess
import threading
import time

from django.db import connection, connections

CLIENTS = 8


def pgbench_tps(seconds: int) -> float:
    """The reference: pgbench's built-in TPC-B-like script with 8 clients on this machine."""
    url = os.environ["DATABASE_URL"]
    base = url.rsplit("/", 1)[0]
    name = "timebank_pgbench"
    import psycopg

    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    target = f"{base}/{name}"
    subprocess.run(["pgbench", "-i", "-q", "-s", "10", target], check=True, capture_output=True)
    out = subprocess.run(["pgbench", "-n", "-c", str(CLIENTS), "-j", "2", "-T", str(seconds), target],
                         check=True, capture_output=True, text=True).stdout
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return tps


def _world(members: int):
    from timebank.ledger import services
    from timebank.ledger.models import AccountKind, TransferKind
    from timebank.lib import field_crypto
    from timebank.lib.resident_id import compose
    from timebank.orgs.models import NodeKind
    from timebank.orgs.services import bank_rules_set, node_create
    from timebank.people.models import Person

    platform = node_create(actor=None, parent=None, kind=NodeKind.PLATFORM, name="bench")
    bank = node_create(actor=None, parent=platform, kind=NodeKind.BANK, name="bench bank")
    branch = node_create(actor=None, parent=bank, kind=NodeKind.BRANCH, name="bench branch")
    station = node_create(actor=None, parent=branch, kind=NodeKind.STATION, name="bench station")
    bank_rules_set(actor=None, bank=bank, gift_recipients="any")
    people = []
    for i in range(members):
        number = compose("310110", dt.date(1960, 1, 1) + dt.timedelta(days=i), i, "F")
        people.append(Person(name=f"m{i}", bank=bank, node=station, id_number_hash=field_crypto.lookup_hash(number),
                             id_tail=number[-4:], is_volunteer=True, volunteer_status="approved"))
    Person.objects.bulk_create(people)
    people = list(Person.objects.filter(bank=bank).order_by("id"))
    issuance = services.system_account(branch, AccountKind.ISSUANCE)
    accounts = [services.member_account(p) for p in people]
    services.transfer_post_batch(entries=[(issuance, a, 10**7) for a in accounts], kind=TransferKind.GRANT)
    return bank, branch, issuance, accounts


def storm(seconds: int, post, clients: int = CLIENTS) -> tuple[float, int, int]:
    """`clients` threads call `post(rng)` over and over for `seconds`: (per second, done, refused)."""
    from timebank.lib.errors import DomainError

    done, errors, barrier, stop = [0] * clients, [0] * clients, threading.Barrier(clients + 1), [False]

    def worker(index):
        rng = random.Random(index)
        barrier.wait()
        while not stop[0]:
            try:
                post(rng)
                done[index] += 1
            except DomainError:
                errors[index] += 1
        connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop[0] = True
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - started), sum(done), sum(errors)


def single_transfer_tps(accounts, seconds: int) -> tuple[float, int, int]:
    """8 threads, each posting member-to-member transfers through `transfer_post` for `seconds`."""
    from timebank.ledger import services
    from timebank.ledger.models import TransferKind

    def post(rng):
        debit, credit = rng.sample(accounts, 2)
        services.transfer_post(debit=debit, credit=credit, amount=rng.randint(1, 120), kind=TransferKind.GIFT)

    return storm(seconds, post)


def batch_rate(issuance, accounts, rounds: int) -> float:
    from timebank.ledger import services
    from timebank.ledger.models import TransferKind

    total, elapsed = 0, 0.0
    for r in range(rounds):
        entries = [(issuance, a, 60) for a in accounts]
        started = time.perf_counter()
        services.transfer_post_batch(entries=entries, kind=TransferKind.SERVICE_CREDIT, idempotency_key=f"batch-{r}")
        elapsed += time.perf_counter() - started
        total += len(entries)
    return total / elapsed


def bulk_history(bank, issuance, accounts, count: int) -> float:
    """Write `count` posted service credits straight into the table with COPY, each with the keyed
    fingerprint the services would give it; the ledger's triggers add them to the totals."""
    from timebank.ledger import mac

    started = time.perf_counter()
    ids = [a.pk for a in accounts]
    first = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    columns = ("bank_id", "debit_id", "credit_id", "amount", "currency", "kind", "status", "subject_type",
               "subject_id", "memo", "created_at", "mac")
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY ledger_transfer ({', '.join(columns)}) FROM STDIN") as copy:
            for g in range(1, count + 1):
                credit, amount, when = ids[g % len(ids)], 1 + g % 120, first + dt.timedelta(microseconds=g)
                fingerprint = mac.compute((bank.pk, issuance.pk, credit, amount, "time", "service_credit", "posted",
                                           None, None, "bench", str(g), None, "", None, None, when, None))
                copy.write_row((bank.pk, issuance.pk, credit, amount, "time", "service_credit", "posted", "bench",
                                str(g), "", when, fingerprint))
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def run(quick: bool = False) -> dict:
    from timebank.ledger import chain

    seconds = 5 if quick else 15
    figures = {}
    reference = pgbench_tps(seconds)
    print(f"pgbench TPC-B-like, {CLIENTS} clients: {reference:,.0f} tps (reference)", flush=True)
    bank, branch, issuance, accounts = _world(1000 if quick else 5000)
    tps, posted, refused = single_transfer_tps(accounts[:500], seconds)
    chain.seal_all(now=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))
    report = chain.verify()
    violations = len(report.problems)
    print(f"transfer_post, {CLIENTS} threads: {tps:,.0f} transfers/s ({posted} posted, {refused} refused); "
          f"ratio vs pgbench {tps / reference:.2f}; invariant violations: {violations}", flush=True)
    figures.update({"pgbench_tps": round(reference, 1), "transfer_tps": round(tps, 1),
                    "ratio_vs_pgbench": round(tps / reference, 3), "invariant_violations": violations,
                    "transfers_posted": posted})
    rate = batch_rate(issuance, accounts, 3)
    print(f"group credit batch of {len(accounts)}: {rate:,.0f} transfers/s (target 5,000)", flush=True)
    figures["batch_transfers_per_s"] = round(rate)
    size = 100_000 if quick else 1_000_000
    written = bulk_history(bank, issuance, accounts, size)
    started = time.perf_counter()
    sealed = chain.seal_all(now=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1), limit=50_000)
    seal_seconds = time.perf_counter() - started
    print(f"wrote {size:,} transfers in {written:.1f} s; sealed {sealed:,} in {seal_seconds:.1f} s "
          f"({sealed / seal_seconds:,.0f}/s)", flush=True)
    report = chain.verify()
    print(f"verify_ledger: {report.transfers:,} transfers in {report.seconds:.1f} s = {report.rate:,.0f} transfers/s "
          f"(target 200,000); ok={report.ok}", flush=True)
    figures.update({"verify_transfers": report.transfers, "verify_transfers_per_s": round(report.rate),
                    "verify_ok": report.ok, "seal_transfers_per_s": round(sealed / seal_seconds)})
    return figures
