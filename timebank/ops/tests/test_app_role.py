"""The app's own PostgreSQL login role cannot mint, move or hide coins by SQL (issue: the ledger
proves itself). The test gives a fresh non-superuser role the app's grants, connects as it, and
tries each attack that used to succeed when the app ran as the tables' owner."""
import os

import psycopg
import pytest
from django.db import connection

from timebank.ledger import chain, services
from timebank.ledger.models import AccountKind, TransferKind
from timebank.ops.db_roles import grant_app_role


@pytest.fixture
def app_role(postgres_only, world):
    role = f"timebank_app_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    grant_app_role(role, create_with_password="app-test")
    settings = connection.settings_dict
    conn = psycopg.connect(host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432,
                           dbname=settings["NAME"], user=role, password="app-test", autocommit=True)
    yield conn
    conn.close()


def _refused(conn, sql, params=()):
    with pytest.raises(psycopg.Error):
        conn.execute(sql, params)


def test_the_app_role_can_post_but_cannot_mint_move_or_hide_coins(app_role, world):
    issuance = services.system_account(world.branch_a, AccountKind.ISSUANCE)
    member = services.member_account(world.volunteer)
    elder = services.member_account(world.elder)
    grant = services.transfer_post(debit=issuance, credit=member, amount=60, kind=TransferKind.GRANT)
    hold = services.hold_create(debit=member, credit=services.system_account(world.station_a1, AccountKind.ESCROW),
                                amount=20, kind=TransferKind.REDEMPTION)
    chain.seal_all(now=grant.created_at + chain.SEAL_MARGIN * 10)
    insert = ("INSERT INTO ledger_transfer (bank_id, debit_id, credit_id, amount, currency, kind, status, "
              "subject_type, subject_id, memo, created_at, mac) VALUES (%s, %s, %s, %s, 'time', 'gift', 'posted', "
              "'', '', '', now(), 'forged')")

    # What the services do works as the app role: a posting moves the totals through the triggers.
    app_role.execute(insert, [world.bank.pk, member.pk, elder.pk, 10])
    forged = app_role.execute("SELECT max(id) FROM ledger_transfer").fetchone()[0]
    member.refresh_from_db()
    assert (member.posted_debits, member.posted_credits, member.pending_debits) == (10, 60, 20)

    # Minting: raise a total directly, open an account with coins, post more than the balance.
    _refused(app_role, "UPDATE ledger_account SET posted_credits = posted_credits + 6000 WHERE id = %s", [member.pk])
    _refused(app_role, "UPDATE ledger_account SET pending_debits = 0 WHERE id = %s", [member.pk])
    _refused(app_role, insert, [world.bank.pk, member.pk, elder.pk, 100000])
    # Rewriting history: edit, delete or wipe transfers, seals and the audit trail.
    _refused(app_role, "UPDATE ledger_transfer SET amount = 6000 WHERE id = %s", [grant.pk])
    _refused(app_role, "UPDATE ledger_transfer SET status = 'voided' WHERE id = %s", [grant.pk])
    _refused(app_role, "DELETE FROM ledger_transfer WHERE id = %s", [grant.pk])
    _refused(app_role, "UPDATE ledger_seal SET hash = 'x' WHERE transfer_id = %s", [grant.pk])
    _refused(app_role, "DELETE FROM audit_auditevent")
    _refused(app_role, "UPDATE ledger_chainhead SET hash = 'x', seq = seq + 1")
    for table in ("ledger_transfer", "ledger_account", "ledger_seal", "audit_auditevent"):
        _refused(app_role, f"TRUNCATE {table} CASCADE")
    # Switching the rules off: triggers, replication role, the schema itself.
    _refused(app_role, "ALTER TABLE ledger_account DISABLE TRIGGER ALL")
    _refused(app_role, "DROP TRIGGER ledger_account_guard ON ledger_account")
    _refused(app_role, "SET session_replication_role = replica")
    _refused(app_role, "CREATE TABLE ledger_shadow (id int)")
    _refused(app_role, "DELETE FROM django_migrations")

    # The hold resolves as the services resolve it (status and time only), and the books still agree.
    app_role.execute("UPDATE ledger_transfer SET status = 'voided', resolved_at = now() WHERE id = %s", [hold.pk])
    member.refresh_from_db()
    assert (member.posted_debits, member.posted_credits, member.pending_debits) == (10, 60, 0)
    report = chain.verify()
    # The books agree, but SQL sent with the database login alone (not the application's ledger key)
    # leaves rows that no longer match their fingerprints, and verify_ledger names them.
    assert report.problems == [
        f"transfer {hold.pk} (not yet sealed): its status, resolved_at were changed outside the application "
        "(fingerprint mismatch)",
        f"transfer {forged} (not yet sealed): its fingerprint was not written by the application "
        "(a row inserted or rewritten outside it)"]


def test_the_app_role_reaches_transfers_only_through_the_partitioned_table(app_role, world):
    """Partitions and key tables (timebank/lib/partitions.py): the app role posts through the partitioned
    table — the key trigger, run as the owner, records the key — but cannot read or write a partition
    directly, take or free a key by hand, or make a partition; the monthly roll is a function it may call."""
    issuance = services.system_account(world.branch_a, AccountKind.ISSUANCE)
    member = services.member_account(world.volunteer)
    insert = ("INSERT INTO ledger_transfer (bank_id, debit_id, credit_id, amount, currency, kind, status, "
              "subject_type, subject_id, memo, created_at, mac, idempotency_key) VALUES (%s, %s, %s, 5, 'time', "
              "'grant', 'posted', '', '', '', now(), 'forged', 'by-app-role') RETURNING id")
    assert app_role.execute(insert, [world.bank.pk, issuance.pk, member.pk]).fetchone()
    assert app_role.execute(insert, [world.bank.pk, issuance.pk, member.pk]).fetchone() is None  # key used
    assert app_role.execute("SELECT count(*) FROM ledger_transferkey WHERE idempotency_key = 'by-app-role'"
                            ).fetchone()[0] == 1
    _refused(app_role, "SELECT count(*) FROM ledger_transfer_p0")
    _refused(app_role, "DELETE FROM ledger_transfer_p0")
    _refused(app_role, "INSERT INTO ledger_transferkey (bank_id, idempotency_key) VALUES (%s, 'squatted')",
             [world.bank.pk])
    _refused(app_role, "DELETE FROM ledger_transferkey")
    _refused(app_role, "DELETE FROM health_readingkey")
    _refused(app_role, "CREATE TABLE ledger_transfer_p209901 PARTITION OF ledger_transfer "
                       "FOR VALUES FROM (2099010000000000) TO (2099020000000000)")
    _refused(app_role, "ALTER TABLE ledger_transfer DETACH PARTITION ledger_transfer_p0")
    # A month long past: its partitions are made, the ids stay where they are (they never go back).
    before = app_role.execute("SELECT last_value FROM ledger_transfer_id_seq").fetchone()[0]
    app_role.execute("SELECT timebank_partitions_roll('ledger_transfer', 200005)")
    assert app_role.execute("SELECT to_regclass('ledger_transfer_p200006') IS NOT NULL").fetchone()[0]
    assert app_role.execute("SELECT last_value FROM ledger_transfer_id_seq").fetchone()[0] == before
