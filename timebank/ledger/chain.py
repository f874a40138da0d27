"""Tamper evidence: the worker seals posted transfers into each bank's hash chain, in id order,
off the hot path; `verify` recomputes the chain and every account's totals from the transfers."""
import datetime as dt
import hashlib
import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Sum
from django.utils import timezone

from . import mac
from .models import Account, AccountKind, ChainHead, Seal, Transfer, TransferStatus

GENESIS = "0" * 64
# Transfers younger than this are left for the next round, so a slow commit with a lower id is
# still sealed before its successors in the common case (and after them, in seal order, otherwise).
SEAL_MARGIN = dt.timedelta(seconds=2)

CANONICAL_FIELDS = ("id", "bank_id", "debit_id", "credit_id", "amount", "currency", "kind", "hold_id", "corrects_id",
                    "subject_type", "subject_id", "actor_id", "memo", "created_at")


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)


def canonical(values: tuple) -> bytes:
    """The fields in CANONICAL_FIELDS order, unit-separated; the time as integer microseconds
    since 1970 UTC so every database and time zone gives the same bytes."""
    *head, created_at = values
    head.append((created_at - EPOCH) // MICROSECOND)
    return "\x1f".join(["" if v is None else str(v) for v in head]).encode()


# On PostgreSQL the canonical bytes are built by the database (the same bytes `canonical` builds),
# which lets verification stream a million rows a few seconds.
_PG_CANONICAL = (
    "concat_ws(chr(31), t.id, t.bank_id, t.debit_id, t.credit_id, t.amount, t.currency, t.kind, "
    "coalesce(t.hold_id::text, ''), coalesce(t.corrects_id::text, ''), t.subject_type, t.subject_id, "
    "coalesce(t.actor_id::text, ''), t.memo, (extract(epoch FROM t.created_at) * 1000000)::bigint)"
)



def _pg_us(column: str) -> str:
    return f"(extract(epoch FROM t.{column}) * 1000000)::bigint"


# The bytes `mac.canonical` builds, built by PostgreSQL while it streams the rows.
_PG_MAC_TEXT = (
    "concat_ws(chr(31), t.bank_id, t.debit_id, t.credit_id, t.amount, t.currency, t.kind, t.status, "
    "coalesce(t.hold_id::text, ''), coalesce(t.corrects_id::text, ''), t.subject_type, t.subject_id, "
    "coalesce(t.actor_id::text, ''), t.memo, coalesce(t.idempotency_key, ''), "
    f"coalesce({_pg_us('expires_at')}::text, ''), {_pg_us('created_at')}, coalesce({_pg_us('resolved_at')}::text, ''))"
)


def _unsealed(bank_id: int, cutoff: dt.datetime, limit: int) -> list[tuple[int, bytes]]:
    """(transfer id, canonical bytes) of posted transfers not yet sealed, in id order."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT t.id, {_PG_CANONICAL} FROM ledger_transfer t LEFT JOIN ledger_seal s "
                           "ON s.transfer_id = t.id WHERE t.bank_id = %s AND t.status = 'posted' AND s.transfer_id IS NULL "
                           "AND t.created_at <= %s ORDER BY t.id LIMIT %s", [bank_id, cutoff, limit])
            return [(tid, text.encode()) for tid, text in cursor.fetchall()]
    rows = (Transfer.objects.filter(bank_id=bank_id, status=TransferStatus.POSTED, seal__isnull=True,
                                    created_at__lte=cutoff).order_by("id").values_list(*CANONICAL_FIELDS)[:limit])
    return [(row[0], canonical(row)) for row in rows]


def seal_bank(bank_id: int, *, limit: int = 20000, now: dt.datetime | None = None) -> int:
    """Append up to `limit` unsealed posted transfers of one bank to its chain. Safe to run twice."""
    cutoff = (now or timezone.now()) - SEAL_MARGIN
    with transaction.atomic():
        ChainHead.objects.get_or_create(bank_id=bank_id)
        head = ChainHead.objects.select_for_update().get(bank_id=bank_id)
        rows = _unsealed(bank_id, cutoff, limit)
        if not rows:
            return 0
        seq, previous, seals, sealed_at = head.seq, head.hash, [], timezone.now()
        for transfer_id, data in rows:
            seq += 1
            previous = hashlib.sha256(previous.encode() + data).hexdigest()
            seals.append(Seal(transfer_id=transfer_id, bank_id=bank_id, seq=seq, hash=previous, sealed_at=sealed_at))
        Seal.objects.bulk_create(seals, batch_size=5000)
        head.seq, head.hash, head.updated_at = seq, previous, timezone.now()
        head.save(update_fields=["seq", "hash", "updated_at"])
    return len(rows)


def seal_all(*, limit: int = 20000, now: dt.datetime | None = None) -> int:
    banks = Transfer.objects.filter(status=TransferStatus.POSTED, seal__isnull=True).values_list("bank_id", flat=True)
    total = 0
    for bank_id in sorted(set(banks)):
        while (n := seal_bank(bank_id, limit=limit, now=now)):
            total += n
            if n < limit:
                break
    return total


@dataclass
class Report:
    transfers: int = 0
    sealed: int = 0
    unsealed: int = 0
    accounts: int = 0
    seconds: float = 0.0
    totals: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    first_bad_transfer: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rate(self) -> float:
        return self.transfers / self.seconds if self.seconds else 0.0


def _links(bank_id: int, first: int, last: int):
    """(transfer id, stored hash, canonical bytes) of links first..last of one bank's chain."""
    if connection.vendor == "postgresql":
        sql = (f"SELECT t.id, s.hash, {_PG_CANONICAL} FROM ledger_seal s JOIN ledger_transfer t ON t.id = s.transfer_id "
               "WHERE s.bank_id = %s AND s.seq BETWEEN %s AND %s ORDER BY s.seq")
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, [bank_id, first, last])
            while rows := cursor.fetchmany(100_000):
                yield from rows
        return
    columns = [f"transfer__{f}" if f != "id" else "transfer_id" for f in CANONICAL_FIELDS]
    seals = Seal.objects.filter(bank_id=bank_id, seq__gte=first, seq__lte=last).order_by("seq")
    for row in seals.values_list("hash", *columns).iterator():
        yield row[1], row[0], canonical(row[1:])


def _check_links(bank_id: int, first: int, last: int) -> tuple[int, int | None]:
    """Check links first..last against their stored predecessors: (links checked, first bad transfer)."""
    previous = GENESIS
    if first > 1:
        previous = Seal.objects.filter(bank_id=bank_id, seq=first - 1).values_list("hash", flat=True).first() or ""
    sha256, checked = hashlib.sha256, 0
    for transfer_id, stored, data in _links(bank_id, first, last):
        checked += 1
        if isinstance(data, str):
            data = data.encode()
        if sha256(previous.encode() + data).hexdigest() != stored:
            return checked, transfer_id
        previous = stored
    return checked, None


# A long chain is checked in parts on parallel connections: each link needs only its stored
# predecessor, so the parts are independent and the database works on them side by side.
PARALLEL_PARTS = 2
PARALLEL_FROM = 200_000


def _check_bank(bank_id: int, count: int) -> tuple[int, int | None]:
    if connection.vendor != "postgresql" or count < PARALLEL_FROM:
        return _check_links(bank_id, 1, count)
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def part(bounds):
        try:
            return _check_links(bank_id, *bounds)
        finally:
            connections.close_all()

    step = count // PARALLEL_PARTS + 1
    bounds = [(1 + i * step, min(count, (i + 1) * step)) for i in range(PARALLEL_PARTS)]
    with ThreadPoolExecutor(PARALLEL_PARTS) as pool:
        results = list(pool.map(part, bounds))
    bad = next((b for _, b in results if b is not None), None)  # parts are in chain order
    return sum(n for n, _ in results), bad


def _verify_chain(report: Report, bank_id: int | None) -> None:
    """Each link must equal sha256(previous link + the transfer's canonical bytes), the links must
    be numbered 1..n without a gap, and the head must be the last link."""
    seals = Seal.objects.all() if bank_id is None else Seal.objects.filter(bank_id=bank_id)
    for bank, count, first, last in (seals.values_list("bank_id").annotate(Count("seq"), Min("seq"), Max("seq"))
                                     .order_by("bank_id")):
        if (first, last) != (1, count):
            report.problems.append(f"bank {bank}: chain links are not numbered 1..{count} (found {first}..{last})")
            return
        # The canonical bytes leave out the status (a hold's changes), so a sealed transfer must
        # still be posted: flipping it to voided, totals and all, is named here.
        for seq, transfer_id, status in (seals.filter(bank_id=bank).exclude(transfer__status=TransferStatus.POSTED)
                                         .order_by("seq").values_list("seq", "transfer_id", "transfer__status")[:20]):
            report.problems.append(f"bank {bank}: transfer {transfer_id} (link {seq}) was sealed as posted "
                                   f"but its status is now {status}")
            report.first_bad_transfer = report.first_bad_transfer or transfer_id
        checked, bad = _check_bank(bank, count)
        report.sealed += checked
        if bad is not None:
            link = Seal.objects.filter(transfer_id=bad).values_list("seq", flat=True).first()
            named = ", ".join(_changed_fields(bad) or ["one of " + ", ".join(CANONICAL_FIELDS[1:])])
            report.problems.append(f"bank {bank}: transfer {bad} (link {link}) does not match its seal: "
                                   f"{named} changed after sealing")
            report.first_bad_transfer = bad
            return
    for head in ChainHead.objects.all() if bank_id is None else ChainHead.objects.filter(bank_id=bank_id):
        last = Seal.objects.filter(bank_id=head.bank_id).order_by("-seq").first()
        actual = (last.seq, last.hash) if last else (0, GENESIS)
        if actual != (head.seq, head.hash):
            report.problems.append(f"bank {head.bank_id}: chain head does not match its last seal")


def _verify_balances(report: Report, bank_id: int | None) -> None:
    transfers = Transfer.objects.all() if bank_id is None else Transfer.objects.filter(bank_id=bank_id)
    expected: dict[int, list[int]] = {}

    def add(account_id, index, amount):
        expected.setdefault(account_id, [0, 0, 0, 0])[index] += amount or 0

    posted = transfers.filter(status=TransferStatus.POSTED)
    for row in posted.values("debit_id").annotate(s=Sum("amount")):
        add(row["debit_id"], 0, row["s"])
    for row in posted.values("credit_id").annotate(s=Sum("amount")):
        add(row["credit_id"], 1, row["s"])
    pending = transfers.filter(status=TransferStatus.PENDING)
    for row in pending.values("debit_id").annotate(s=Sum("amount")):
        add(row["debit_id"], 2, row["s"])
    for row in pending.values("credit_id").annotate(s=Sum("amount")):
        add(row["credit_id"], 3, row["s"])
    accounts = Account.objects.all() if bank_id is None else Account.objects.filter(bank_id=bank_id)
    for account in accounts.values_list("id", "posted_debits", "posted_credits", "pending_debits", "pending_credits",
                                        "kind", "allow_negative").iterator():
        report.accounts += 1
        stored = list(account[1:5])
        want = expected.get(account[0], [0, 0, 0, 0])
        if stored != want:
            report.problems.append(f"account {account[0]}: stored totals {stored} but the transfers give {want}")
        if not account[6] and want[1] - want[0] - want[2] < 0:
            report.problems.append(f"account {account[0]}: below zero")
    by_currency = posted.values("currency").annotate(n=Count("id"), s=Sum("amount"))
    report.totals = {row["currency"]: {"posted_transfers": row["n"], "posted_amount": row["s"]} for row in by_currency}


def _fingerprints(bank_id: int | None):
    """(transfer id, stored mac, canonical bytes) of every transfer."""
    if connection.vendor == "postgresql":
        where = "" if bank_id is None else "WHERE t.bank_id = %s"
        with connection.chunked_cursor() as cursor:
            cursor.execute(f"SELECT t.id, t.mac, {_PG_MAC_TEXT} FROM ledger_transfer t {where}",
                           [] if bank_id is None else [bank_id])
            while rows := cursor.fetchmany(100_000):
                for transfer_id, stored, text in rows:
                    yield transfer_id, stored, text.encode()
        return
    transfers = Transfer.objects.all() if bank_id is None else Transfer.objects.filter(bank_id=bank_id)
    for row in transfers.values_list("id", "mac", *mac.MAC_FIELDS).iterator():
        yield row[0], row[1], mac.canonical(row[2:])


def _changed_fields(transfer_id: int) -> list[str]:
    """The fields of a transfer whose two-byte fingerprints no longer agree (may be empty)."""
    row = Transfer.objects.filter(pk=transfer_id).values_list("mac", *mac.MAC_FIELDS).first()
    return mac.changed_fields(row[0], row[1:]) if row else []


def describe_change(transfer_id: int) -> str:
    """Which of a transfer's fields no longer agree with its fingerprint, and where it is in the chain."""
    link = Seal.objects.filter(transfer_id=transfer_id).values_list("bank_id", "seq").first()
    where = f"link {link[1]} of bank {link[0]}'s chain" if link else "not yet sealed"
    fields = _changed_fields(transfer_id)
    if fields == ["mac"]:
        return (f"transfer {transfer_id} ({where}): its fingerprint was not written by the application "
                "(a row inserted or rewritten outside it)")
    if len(fields) == len(mac.MAC_FIELDS):
        return (f"transfer {transfer_id} ({where}): no field matches its fingerprint: the row was rewritten whole, "
                "or this server runs with another TIMEBANK_LEDGER_KEY than the one that wrote it")
    what = ("its " + ", ".join(fields) + (" were" if len(fields) > 1 else " was")) if fields else "one of its fields was"
    return f"transfer {transfer_id} ({where}): {what} changed outside the application (fingerprint mismatch)"


def _verify_fingerprints(report: Report, bank_id: int | None) -> None:
    """Every transfer must still match the keyed fingerprint the application wrote with it, sealed
    or not; no two rows may share one (a copied row)."""
    bad: list[int] = []
    secret, blake2b, length, version, size = mac.key(), hashlib.blake2b, mac.LENGTH, mac.VERSION, mac.FULL_HEX // 2
    nonce_end, full_end = 1 + mac.NONCE_HEX, 1 + mac.NONCE_HEX + mac.FULL_HEX
    for transfer_id, stored, data in _fingerprints(bank_id):  # mac.matches, inlined: this runs per row
        if (len(stored) != length or stored[0] != version
                or blake2b(stored[1:nonce_end].encode() + b"\x1e" + data, key=secret, digest_size=size).hexdigest()
                != stored[nonce_end:full_end]):
            bad.append(transfer_id)
    for transfer_id in sorted(bad)[:20]:
        report.problems.append(describe_change(transfer_id))
    if len(bad) > 20:
        report.problems.append(f"… and {len(bad) - 20} more transfers that no longer match their fingerprints")
    if bad:
        report.first_bad_transfer = min(bad + [report.first_bad_transfer or bad[0]])
    transfers = Transfer.objects.all() if bank_id is None else Transfer.objects.filter(bank_id=bank_id)
    copies = (transfers.values("mac").annotate(n=Count("id"), first=Min("id"), last=Max("id")).filter(n__gt=1)
              .order_by("first")[:20])
    for row in copies:
        report.problems.append(f"transfers {row['first']} and {row['last']} carry the same fingerprint: "
                               f"transfer {row['last']} is a copy written outside the application")
        report.first_bad_transfer = min(row["last"], report.first_bad_transfer or row["last"])


def _verify_clearing(report: Report, bank_id: int | None) -> None:
    """Coins between two banks of the platform move in two legs committed together, so a bank's
    clearing account with a peer always holds the opposite of the peer's with it. A clearing account with
    another deployment (its peer is that deployment's platform node) has its opposite in the other
    deployment's database: the federation's reconciliation compares those."""
    clearing = Account.objects.filter(kind=AccountKind.CLEARING, peer__kind="bank")
    balances = {(bank, peer, currency): credits - debits for bank, peer, currency, credits, debits in clearing.values_list(
        "bank_id", "peer_id", "currency", "posted_credits", "posted_debits")}
    seen = set()
    for (bank, peer, currency), balance in sorted(balances.items()):
        pair = (min(bank, peer), max(bank, peer), currency)
        if pair in seen or (bank_id is not None and bank_id not in (bank, peer)):
            continue
        seen.add(pair)
        other = balances.get((peer, bank, currency), 0)
        if balance + other:
            report.problems.append(f"bank {bank}: its clearing account with bank {peer} holds {balance} {currency} "
                                   f"but bank {peer}'s with it holds {other}: they must cancel out")


def anchor_of(bank_id: int) -> str | None:
    """The bank's newest link as an anchor, "bank:seq:hash", to be kept outside the database."""
    last = Seal.objects.filter(bank_id=bank_id).order_by("-seq").values_list("seq", "hash").first()
    return f"{bank_id}:{last[0]}:{last[1]}" if last else None


def parse_anchor(text: str) -> tuple[int, int, str]:
    """"bank:seq:hash" → (bank, seq, hash); ValueError when it is not one."""
    bank, seq, digest = text.strip().split(":")
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError("the hash must be 64 hexadecimal digits")
    return int(bank), int(seq), digest


def check_anchor(bank_id: int, seq: int, expected: str) -> str | None:
    """An anchor is a chain head noted outside the database (printed in a monthly report, sent to a
    second party): the link `seq` must still carry `expected`. A problem, or None."""
    stored = Seal.objects.filter(bank_id=bank_id, seq=seq).values_list("hash", flat=True).first()
    if stored is None:
        return f"bank {bank_id}: the anchored link {seq} is gone from the chain"
    if stored != expected:
        return (f"bank {bank_id}: link {seq} now reads {stored[:16]}… but was anchored as {expected[:16]}…: "
                "the chain was rewritten")
    return None


def verify(bank_id: int | None = None, anchors: list[tuple[int, int, str]] = ()) -> Report:
    report = Report()
    started = time.perf_counter()
    transfers = Transfer.objects.all() if bank_id is None else Transfer.objects.filter(bank_id=bank_id)
    report.transfers = transfers.count()
    _verify_balances(report, bank_id)
    if connection.vendor == "postgresql" and not connection.in_atomic_block and report.transfers >= 50_000:
        # The fingerprints are checked on a second connection while this one checks the chain.
        from concurrent.futures import ThreadPoolExecutor

        from django.db import connections

        def fingerprints() -> Report:
            part = Report()
            try:
                _verify_fingerprints(part, bank_id)
            finally:
                connections.close_all()
            return part

        with ThreadPoolExecutor(1) as pool:
            future = pool.submit(fingerprints)
            chain_part = Report()
            _verify_chain(chain_part, bank_id)
            part = future.result()
        report.problems += part.problems + chain_part.problems
        report.sealed = chain_part.sealed
        firsts = [b for b in (part.first_bad_transfer, chain_part.first_bad_transfer) if b is not None]
        report.first_bad_transfer = min(firsts) if firsts else None
    else:
        _verify_fingerprints(report, bank_id)
        _verify_chain(report, bank_id)
    _verify_clearing(report, bank_id)
    for anchor in anchors:
        if (problem := check_anchor(*anchor)) is not None:
            report.problems.append(problem)
    report.unsealed = transfers.filter(status=TransferStatus.POSTED, seal__isnull=True).count()
    report.seconds = time.perf_counter() - started
    return report


def chain_heads_by_day(bank_id: int, days: int = 30) -> list[dict]:
    """The last seal of each day (Asia/Shanghai), for auditors to note down and compare later."""
    from django.db.models.functions import TruncDate

    rows = (Seal.objects.filter(bank_id=bank_id).annotate(day=TruncDate("sealed_at"))
            .values("day").annotate(last=Count("seq")).order_by("-day")[:days])
    result = []
    for row in rows:
        last = Seal.objects.filter(bank_id=bank_id, sealed_at__date=row["day"]).order_by("-seq").first()
        result.append({"day": row["day"], "seq": last.seq, "hash": last.hash, "transfer_id": last.transfer_id})
    return result
