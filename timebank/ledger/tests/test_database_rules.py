"""Each ledger rule is tried with raw SQL, past the services: the database itself must refuse."""
import pytest
from django.db import DatabaseError, connection, transaction

from timebank.ledger import services
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
            "subject_id, memo, created_at) VALUES (%s, %s, %s, %s, 'time', 'gift', 'posted', '', '', '', %s)")
    refused(base, [posted.bank_id, posted.debit_id, posted.credit_id, 0, posted.created_at])
    refused(base, [posted.bank_id, posted.debit_id, posted.debit_id, 5, posted.created_at])


def test_both_accounts_must_hold_the_transfer_currency(posted, world):
    points = services.member_account(world.proxy, "points")
    refused("INSERT INTO ledger_transfer (bank_id, debit_id, credit_id, amount, currency, kind, status, subject_type, "
            "subject_id, memo, created_at) VALUES (%s, %s, %s, 5, 'time', 'gift', 'posted', '', '', '', %s)",
            [posted.bank_id, posted.credit_id, points.pk, posted.created_at])


def test_seals_cannot_be_changed(posted, delete_guards_on):
    import datetime as dt

    from django.utils import timezone
    seal_all(now=timezone.now() + dt.timedelta(minutes=1))
    refused("UPDATE ledger_seal SET hash = 'x' WHERE transfer_id = %s", [posted.pk])
    refused("DELETE FROM ledger_seal WHERE transfer_id = %s", [posted.pk])
