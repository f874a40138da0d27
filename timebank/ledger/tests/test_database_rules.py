"""Each ledger rule is tried with raw SQL, past the services: the database itself must refuse."""
import pytest
from django.db import DatabaseError, connection, transaction

from timebank.ledger import chain, services
from timebank.ledger.chain import seal_all
from timebank.ledger.models import AccountKind, TransferKind


@pytest.fixture
def posted(world):
    issuance = services.system_account(world.branch_a, AccountKind.ISSUANCE)
    transfer = services.transfer_post(debit=issuance, credit=services.member_account(world.volunteer), amount=60,
                                      kind=TransferKind.GRANT)
    return transfer


def refused(sql, params=()):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_posted_transfer_cannot_be_updated(posted):
    refused("UPDATE ledger_transfer SET amount = 6000 WHERE id = %s", [posted.pk])
    refused("UPDATE ledger_transfer SET status = 'voided' WHERE id = %s", [posted.pk])


def test_a_transfer_cannot_be_deleted(posted, delete_guards_on):
    refused("DELETE FROM ledger_transfer WHERE id = %s", [posted.pk])


def test_a_member_cannot_be_overdrawn_even_by_raw_sql(posted):
    account = services.member_account(posted.credit.owner)
    refused("UPDATE ledger_account SET posted_debits = posted_debits + 61 WHERE id = %s", [account.pk])


def test_posted_totals_cannot_shrink(posted):
    refused("UPDATE ledger_account SET posted_credits = 0 WHERE id = %s", [posted.credit_id])


def test_amount_must_be_positive_and_accounts_distinct(posted):
    base = ("INSERT INTO ledger_transfer (bank_id, debit_id, credit_id, amount, currency, kind, status, subject_type, "
            "subject_id, memo, created_at, mac) VALUES (%s, %s, %s, %s, 'time', 'gift', 'posted', '', '', '', %s, "
            "'forged')")
    refused(base, [posted.bank_id, posted.debit_id, posted.credit_id, 0, posted.created_at])
    refused(base, [posted.bank_id, posted.debit_id, posted.debit_id, 5, posted.created_at])


def test_both_accounts_must_hold_the_transfer_currency(posted, world):
    points = services.member_account(world.proxy, "points")
    refused("INSERT INTO ledger_transfer (bank_id, debit_id, credit_id, amount, currency, kind, status, subject_type, "
            "subject_id, memo, created_at, mac) VALUES (%s, %s, %s, 5, 'time', 'gift', 'posted', '', '', '', %s, "
            "'forged')",
            [posted.bank_id, posted.credit_id, points.pk, posted.created_at])


def test_seals_cannot_be_changed(posted, delete_guards_on):
    import datetime as dt

    from django.utils import timezone
    seal_all(now=timezone.now() + dt.timedelta(minutes=1))
    refused("UPDATE ledger_seal SET hash = 'x' WHERE transfer_id = %s", [posted.pk])
    refused("DELETE FROM ledger_seal WHERE transfer_id = %s", [posted.pk])


# ---- security hole 6: totals come from transfers alone ------------------------------------------

def _totals(account_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT posted_debits, posted_credits, pending_debits, pending_credits FROM ledger_account "
                       "WHERE id = %s", [account_id])
        return cursor.fetchone()


def test_totals_cannot_be_inflated_by_sql(posted):
    before = _totals(posted.credit_id)
    refused("UPDATE ledger_account SET posted_credits = posted_credits + 100000 WHERE id = %s", [posted.credit_id])
    refused("UPDATE ledger_account SET pending_credits = pending_credits + 5 WHERE id = %s", [posted.credit_id])
    refused("UPDATE ledger_account SET posted_debits = posted_debits + 1, posted_credits = posted_credits + 1 "
            "WHERE id = %s", [posted.credit_id])
    assert _totals(posted.credit_id) == before


def test_an_account_cannot_open_with_coins(posted, world):
    refused("INSERT INTO ledger_account (bank_id, kind, currency, owner_id, allow_negative, posted_debits, "
            "posted_credits, pending_debits, pending_credits, created_at) VALUES (%s, 'member', 'time', %s, false, "
            "0, 100000, 0, 0, %s)", [world.bank.pk, world.elder.pk, posted.created_at])


def test_a_transfer_row_is_the_posting_and_the_database_adds_it_to_both_totals(posted):
    debit, credit = _totals(posted.debit_id), _totals(posted.credit_id)
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO ledger_transfer (bank_id, debit_id, credit_id, amount, currency, kind, status, "
                       "subject_type, subject_id, memo, created_at, mac) VALUES (%s, %s, %s, 25, 'time', 'gift', "
                       "'posted', '', '', '', %s, 'forged') RETURNING id",
                       [posted.bank_id, posted.credit_id, posted.debit_id, posted.created_at])
        row_id = cursor.fetchone()[0]
    assert _totals(posted.credit_id)[0] == credit[0] + 25
    assert _totals(posted.debit_id)[1] == debit[1] + 25
    # The balances agree, but a row written without the application's ledger key is named.
    assert chain.verify().problems == [f"transfer {row_id} (not yet sealed): its fingerprint was not written "
                                       "by the application (a row inserted or rewritten outside it)"]


def test_a_hold_is_added_to_pending_and_taken_off_when_it_resolves(posted, world):
    escrow = services.system_account(world.station_a1, AccountKind.ESCROW)
    hold = services.hold_create(debit=posted.credit, credit=escrow, amount=20, kind=TransferKind.REDEMPTION)
    assert _totals(posted.credit_id)[2] == 20 and _totals(escrow.pk)[3] == 20
    services.hold_post(hold=hold, amount=15)
    assert _totals(posted.credit_id)[:3] == (15, 60, 0) and _totals(escrow.pk) == (0, 15, 0, 0)
    assert chain.verify().problems == []


def test_a_transfer_between_two_banks_is_refused_by_the_database(posted, world):
    from timebank.orgs.models import NodeKind
    from timebank.orgs.services import node_create
    other_bank = node_create(actor=None, parent=world.platform, kind=NodeKind.BANK, name="另一家时间银行")
    other = services.system_account(other_bank, AccountKind.POOL)
    before = _totals(posted.credit_id)
    refused("INSERT INTO ledger_transfer (bank_id, debit_id, credit_id, amount, currency, kind, status, subject_type, "
            "subject_id, memo, created_at, mac) VALUES (%s, %s, %s, 5, 'time', 'gift', 'posted', '', '', '', %s, "
            "'forged')",
            [posted.bank_id, posted.credit_id, other.pk, posted.created_at])
    assert _totals(posted.credit_id) == before


def test_corrections_beyond_the_original_are_refused_by_the_database(posted):
    sql = ("INSERT INTO ledger_transfer (bank_id, debit_id, credit_id, amount, currency, kind, status, corrects_id, "
           "subject_type, subject_id, memo, created_at, mac) VALUES (%s, %s, %s, %s, 'time', 'correction', 'posted', "
           "%s, '', '', '', %s, 'forged')")
    args = [posted.bank_id, posted.credit_id, posted.debit_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*args, 40, posted.pk, posted.created_at])
    refused(sql, [*args, 21, posted.pk, posted.created_at])


def test_the_chain_head_moves_only_forward_onto_the_newest_seal(posted, world, delete_guards_on):
    import datetime as dt

    from django.utils import timezone
    services.transfer_post(debit=posted.debit, credit=posted.credit, amount=5, kind=TransferKind.GRANT)
    assert seal_all(now=timezone.now() + dt.timedelta(minutes=1)) == 2
    refused("UPDATE ledger_chainhead SET hash = 'x' WHERE bank_id = %s", [posted.bank_id])
    refused("UPDATE ledger_chainhead SET seq = 1, hash = (SELECT hash FROM ledger_seal WHERE seq = 1 AND bank_id = %s) "
            "WHERE bank_id = %s", [posted.bank_id, posted.bank_id])
    refused("DELETE FROM ledger_chainhead WHERE bank_id = %s", [posted.bank_id])
    services.transfer_post(debit=posted.debit, credit=posted.credit, amount=5, kind=TransferKind.GRANT)
    assert seal_all(now=timezone.now() + dt.timedelta(minutes=1)) == 1  # the worker still moves it
    assert chain.verify().ok
