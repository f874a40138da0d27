"""Clearing between banks: cross-bank transfers per second against same-bank transfers per second in the
same run (the goal is ≥ 0.5×), and the netting of a million cross-bank transfers across 16 banks
(the goal is under 10 s)."""
import datetime as dt
import random
import time

from django.db import connection

from bench.ledger import storm

CLIENTS = 8
BANKS = 16


def _world(members_per_bank: int):
    from timebank.ledger import services
    from timebank.ledger.models import AccountKind, TransferKind
    from timebank.lib import field_crypto
    from timebank.lib.resident_id import compose
    from timebank.orgs.models import NodeKind
    from timebank.orgs.services import bank_rules_set, node_create
    from timebank.people.models import Person

    platform = node_create(actor=None, parent=None, kind=NodeKind.PLATFORM, name="clearing bench")
    banks, members = [], {}
    serial = 0
    for b in range(BANKS):
        bank = node_create(actor=None, parent=platform, kind=NodeKind.BANK, name=f"bank {b}")
        branch = node_create(actor=None, parent=bank, kind=NodeKind.BRANCH, name=f"branch {b}")
        station = node_create(actor=None, parent=branch, kind=NodeKind.STATION, name=f"station {b}")
        bank_rules_set(actor=None, bank=bank, gift_recipients="any")
        people = []
        for _ in range(members_per_bank):
            serial += 1
            number = compose("310110", dt.date(1950, 1, 1) + dt.timedelta(days=serial), serial, "F")
            people.append(Person(name=f"m{serial}", bank=bank, node=station, id_tail=number[-4:],
                                 id_number_hash=field_crypto.lookup_hash(number)))
        Person.objects.bulk_create(people)
        people = list(Person.objects.filter(bank=bank).order_by("id"))
        issuance = services.system_account(branch, AccountKind.ISSUANCE)
        accounts = [services.member_account(p) for p in people]
        services.transfer_post_batch(entries=[(issuance, a, 10**8) for a in accounts], kind=TransferKind.GRANT)
        banks.append(bank)
        members[bank.pk] = list(zip(people, accounts, strict=True))
    # Every pair's clearing accounts exist before the storm (opened lower bank first, as the service does).
    for a in banks:
        for b in banks:
            if a.pk < b.pk:
                services.clearing_account(a, b)
                services.clearing_account(b, a)
    return platform, banks, members


def _bulk_cross_bank(banks, members, count: int) -> float:
    """`count` cross-bank gifts written straight into the tables with COPY (both legs with the keyed
    fingerprint the services give them, and the record), as the service would have written them."""
    import uuid

    from timebank.ledger import mac
    from timebank.ledger.models import Account, AccountKind

    started = time.perf_counter()
    clearing = {(a.bank_id, a.peer_id): a.pk for a in Account.objects.filter(kind=AccountKind.CLEARING)}
    rng = random.Random(7)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('ledger_transfer_id_seq') FROM generate_series(1, %s)", [2 * count])
        ids = [row[0] for row in cursor.fetchall()]
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    legs, records = [], []
    for i in range(count):
        a, b = rng.sample(banks, 2)
        sender, sender_account = rng.choice(members[a.pk])
        recipient, recipient_account = rng.choice(members[b.pk])
        amount, ref, moment = 1 + i % 120, str(uuid.uuid4()), when + dt.timedelta(microseconds=i)
        out_id, in_id = ids[2 * i], ids[2 * i + 1]
        for tid, bank, debit, credit in ((out_id, a.pk, sender_account.pk, clearing[(a.pk, b.pk)]),
                                         (in_id, b.pk, clearing[(b.pk, a.pk)], recipient_account.pk)):
            fingerprint = mac.compute((bank, debit, credit, amount, "time", "gift", "posted", None, None,
                                       "clearing.crossbanktransfer", ref, None, "", None, None, moment, None))
            legs.append((tid, bank, debit, credit, amount, "time", "gift", "posted", "clearing.crossbanktransfer",
                         ref, "", moment, fingerprint))
        records.append((a.pk, b.pk, ref, "gift", "time", amount, sender.pk, recipient.pk, out_id, in_id, "", moment))
    with connection.cursor() as cursor:
        columns = ("id", "bank_id", "debit_id", "credit_id", "amount", "currency", "kind", "status", "subject_type",
                   "subject_id", "memo", "created_at", "mac")
        for start in range(0, len(legs), 200_000):
            with cursor.cursor.copy(f"COPY ledger_transfer ({', '.join(columns)}) FROM STDIN") as copy:
                for row in legs[start:start + 200_000]:
                    copy.write_row(row)
        columns = ("bank_id", "peer_id", "ref", "kind", "currency", "amount", "sender_id", "recipient_id",
                   "out_transfer_id", "in_transfer_id", "memo", "created_at")
        with cursor.cursor.copy(f"COPY clearing_crossbanktransfer ({', '.join(columns)}) FROM STDIN") as copy:
            for row in records:
                copy.write_row(row)
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def run(quick: bool = False) -> dict:
    from timebank.clearing import services as clearing
    from timebank.clearing.models import CrossBankKind
    from timebank.ledger import chain
    from timebank.ledger import services as ledger
    from timebank.ledger.models import Account, AccountKind, TransferKind

    seconds = 5 if quick else 15
    platform, banks, members = _world(50 if quick else 200)

    def same_bank(rng):
        bank = rng.choice(banks)
        (_, debit), (_, credit) = rng.sample(members[bank.pk], 2)
        ledger.transfer_post(debit=debit, credit=credit, amount=rng.randint(1, 120), kind=TransferKind.GIFT)

    def cross_bank(rng):
        a, b = rng.sample(banks, 2)
        sender, debit = rng.choice(members[a.pk])
        recipient, credit = rng.choice(members[b.pk])
        clearing._post(kind=CrossBankKind.GIFT, sender=sender, recipient=recipient, debit=debit, credit=credit,
                       amount=rng.randint(1, 120), actor=None)

    same_tps, same_n, same_refused = storm(seconds, same_bank)
    print(f"same-bank transfer_post, {CLIENTS} threads: {same_tps:,.0f} transfers/s ({same_n} posted, "
          f"{same_refused} refused) (reference)", flush=True)
    cross_tps, cross_n, cross_refused = storm(seconds, cross_bank)
    print(f"cross-bank (two legs and the record), {CLIENTS} threads: {cross_tps:,.0f} transfers/s ({cross_n} posted, "
          f"{cross_refused} refused); ratio vs same-bank {cross_tps / same_tps:.2f} (goal ≥ 0.5)", flush=True)
    pairs_cancel = all(
        a.balance + Account.objects.get(kind=AccountKind.CLEARING, bank_id=a.peer_id, peer_id=a.bank_id).balance == 0
        for a in Account.objects.filter(kind=AccountKind.CLEARING))
    figures = {"same_bank_tps": round(same_tps, 1), "cross_bank_tps": round(cross_tps, 1),
               "cross_vs_same_bank": round(cross_tps / same_tps, 3), "storm_pairs_cancel": pairs_cancel}

    size = 100_000 if quick else 1_000_000
    written = _bulk_cross_bank(banks, members, size)
    print(f"wrote {size:,} cross-bank transfers ({2 * size:,} ledger legs) across {BANKS} banks in {written:.0f} s",
          flush=True)
    started = time.perf_counter()
    run_ = clearing.netting_run(actor=None, platform=platform, business_day=dt.date.today() - dt.timedelta(days=1))
    netting_seconds = time.perf_counter() - started
    positions = list(run_.positions.all())
    total = sum(p.balance for p in positions)
    left = sum(abs(a.balance) for a in Account.objects.filter(kind=AccountKind.CLEARING))
    print(f"netting run: {run_.records:,} records, {len(positions)} positions, {run_.settled_minutes:,} minutes settled "
          f"in {netting_seconds:.2f} s (goal < 10 s); positions sum to {total}; left in clearing accounts: {left}",
          flush=True)
    started = time.perf_counter()
    report = chain.verify()
    print(f"verify_ledger after netting: ok={report.ok} ({report.transfers:,} transfers, "
          f"{time.perf_counter() - started:.0f} s) {report.problems[:2]}", flush=True)
    figures.update({"netting_records": run_.records, "netting_banks": BANKS, "netting_seconds": round(netting_seconds, 2),
                    "netting_positions": len(positions), "netting_positions_sum": total,
                    "netting_left_in_clearing": left, "verify_ok_after_netting": report.ok})
    return figures
