"""Transfers and health readings are partitioned by month on PostgreSQL (timebank/lib/partitions.py):
a row lands in its month's partition, keys stay unique across months, foreign keys still hold, the
append-only rules bite on every partition, and the turn of the month is safe from many processes."""
import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from timebank.conftest import run_threads
from timebank.ledger import chain, services
from timebank.ledger.exceptions import IdempotencyConflict
from timebank.ledger.models import AccountKind, Transfer, TransferKey, TransferKind
from timebank.lib import partitions

TZ = partitions.LOCAL


def _partition_of(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _ahead(table: str, months: int) -> tuple[int, dt.datetime]:
    """A month `months` after both today and the month the ids are in (earlier tests may have rolled
    the sequence forward: it never goes back), and a moment five seconds into it."""
    base = max(partitions.month_of(timezone.now()), partitions.current_month_of_ids(table))
    month = partitions.add_months(base, months)
    return month, dt.datetime(month // 100, month % 100, 1, 0, 0, 5, tzinfo=TZ)


def test_sqlite_keeps_plain_tables(db):
    if connection.vendor == "postgresql":
        assert all(partitions.is_partitioned(t) for t in partitions.TABLES)
        return
    assert not any(partitions.is_partitioned(t) for t in partitions.TABLES)
    assert partitions.roll(timezone.now()) == {}
    assert partitions.describe("ledger_transfer") == []


def test_a_used_key_stores_nothing_on_every_path(db, world):
    """The key trigger skips a row whose key was used (both databases): a single insert and a batch
    then refuse and leave nothing behind, where the unique index used to raise."""
    from timebank.ledger.services import posting

    issuance = services.system_account(world.branch_a, AccountKind.ISSUANCE)
    member = services.member_account(world.volunteer)
    first = services.transfer_post(debit=issuance, credit=member, amount=60, kind=TransferKind.GRANT,
                                   idempotency_key="used")
    before = Transfer.objects.count()
    with pytest.raises(IdempotencyConflict), transaction.atomic():
        posting._insert(bank_id=world.bank.pk, debit=issuance, credit=member, amount=5, currency="time",
                        kind=TransferKind.GRANT, status="posted", idempotency_key="used", created_at=timezone.now())
    services.transfer_post(debit=issuance, credit=member, amount=5, kind=TransferKind.GRANT, idempotency_key="batch:1")
    with pytest.raises(IdempotencyConflict):  # its second row's key is taken: the whole batch goes
        services.transfer_post_batch(entries=[(issuance, member, 1), (issuance, member, 2), (issuance, member, 3)],
                                     kind=TransferKind.GRANT, idempotency_key="batch")
    assert Transfer.objects.count() == before + 1
    member.refresh_from_db()
    assert member.balance == 65 and first.pk


def test_month_arithmetic():
    assert partitions.month_of(dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC)) == 202701  # 00:30 in Shanghai
    assert partitions.month_of(dt.datetime(2026, 12, 31, 15, 59, tzinfo=dt.UTC)) == 202612  # 23:59 in Shanghai
    assert partitions.block_start(202612) == 2026120000000000 < 2 ** 53
    assert [partitions.add_months(202611, k) for k in (0, 1, 2, 14, -11)] == [202611, 202612, 202701, 202801, 202512]


def test_a_transfer_lands_in_its_month_and_keys_hold_across_months(postgres_only, world):
    issuance = services.system_account(world.branch_a, AccountKind.ISSUANCE)
    escrow = services.system_account(world.station_a1, AccountKind.ESCROW)
    member = services.member_account(world.volunteer)
    first = services.transfer_post(debit=issuance, credit=member, amount=60, kind=TransferKind.GRANT,
                                   idempotency_key="grant-1")
    hold = services.hold_create(debit=member, credit=escrow, amount=20, kind=TransferKind.REDEMPTION,
                                idempotency_key="hold-1")

    month, when = _ahead("ledger_transfer", 3)
    made = partitions.roll(when)
    assert set(made) == {"ledger_transfer", "health_reading"}
    names = [p["name"] for p in partitions.describe("ledger_transfer")]
    here = f"ledger_transfer_p{month}"
    assert {"ledger_transfer_p0", here, f"ledger_transfer_p{partitions.add_months(month, 1)}"} <= set(names)

    second = services.transfer_post(debit=issuance, credit=member, amount=30, kind=TransferKind.GRANT,
                                    idempotency_key="grant-2")
    assert second.pk // partitions.BLOCK == month
    assert _partition_of("ledger_transfer", second.pk) == here
    assert _partition_of("ledger_transfer", first.pk) != here

    # A key used last month replays the transfer of last month; a different request with it is refused.
    again = services.transfer_post(debit=issuance, credit=member, amount=60, kind=TransferKind.GRANT,
                                   idempotency_key="grant-1")
    assert again.pk == first.pk and not getattr(again, "is_new", False)
    with pytest.raises(IdempotencyConflict):
        services.transfer_post(debit=issuance, credit=member, amount=61, kind=TransferKind.GRANT,
                               idempotency_key="grant-1")
    assert Transfer.objects.filter(idempotency_key="grant-1").count() == 1
    assert TransferKey.objects.filter(idempotency_key__in=["grant-1", "grant-2", "hold-1"]).count() == 3

    # A hold of last month is posted this month: the posting points into the older partition.
    posting = services.hold_post(hold=hold)
    assert posting.hold_id == hold.pk and posting.pk // partitions.BLOCK == month
    member.refresh_from_db()
    assert (member.balance, member.pending) == (60 + 30 - 20, 0)

    # Foreign keys into the partitioned table still hold: a hold that does not exist is refused.
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("INSERT INTO ledger_correctionrequest (bank_id, original_id, amount, reason, "
                           "requested_by_id, requested_at) VALUES (%s, %s, 1, 'x', %s, now())",
                           [world.bank.pk, second.pk + 10 ** 9, world.bank_admin.pk])

    # The append-only rules are on every partition, also when it is named directly.
    for sql in (f"DELETE FROM {here} WHERE id = {second.pk}", f"UPDATE {here} SET amount = 1 WHERE id = {second.pk}"):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)

    chain.seal_all(now=timezone.now() + dt.timedelta(days=1))
    report = chain.verify()
    assert report.ok, report.problems


def test_many_processes_turning_the_month_at_once_agree(postgres_only, world):
    month, when = _ahead("ledger_transfer", 2)  # five seconds into a new month
    results = run_threads(8, lambda i: partitions.roll(when))
    assert all(isinstance(r, dict) for r in results), results
    assert sum(r.get("ledger_transfer", 0) for r in results) <= 2
    names = {p["name"] for p in partitions.describe("ledger_transfer")}
    assert {f"ledger_transfer_p{month}", f"ledger_transfer_p{partitions.add_months(month, 1)}"} <= names
    issuance = services.system_account(world.branch_a, AccountKind.ISSUANCE)
    member = services.member_account(world.volunteer)
    ids = [services.transfer_post(debit=issuance, credit=member, amount=1, kind=TransferKind.GRANT).pk
           for _ in range(3)]
    assert [i // partitions.BLOCK for i in ids] == [month] * 3 and ids == sorted(ids)
    # Rolling to an earlier month later on never moves the ids back.
    partitions.roll(when - dt.timedelta(days=40))
    later = services.transfer_post(debit=issuance, credit=member, amount=1, kind=TransferKind.GRANT)
    assert later.pk > ids[-1]
