import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from timebank.ledger import chain, services
from timebank.ledger.models import AccountKind, Transfer, TransferKind


def later():
    return timezone.now() + dt.timedelta(minutes=1)


@pytest.fixture
def ledger(world):
    issuance = services.system_account(world.branch_a, AccountKind.ISSUANCE)
    for person, minutes in ((world.volunteer, 60), (world.elder, 120), (world.proxy, 30)):
        services.transfer_post(debit=issuance, credit=services.member_account(person), amount=minutes,
                               kind=TransferKind.GRANT)
    services.donation_make(actor=world.volunteer, donor=world.volunteer, amount=15)
    assert chain.seal_all(now=later()) == 4
    return world


def test_a_clean_ledger_verifies(ledger, capsys):
    call_command("verify_ledger")
    out = capsys.readouterr().out
    assert "ledger OK" in out and "transfers: 4" in out and "transfers/s" in out


def test_sealing_twice_adds_nothing_and_new_transfers_extend_the_chain(ledger):
    assert chain.seal_all(now=later()) == 0
    services.donation_make(actor=ledger.volunteer, donor=ledger.volunteer, amount=5)
    assert chain.seal_all(now=later()) == 1
    assert chain.verify().ok


def _without_guards(sql, params, *more):
    """Tamper as an attacker with database access would: past the append-only triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        else:
            for trigger in ("ledger_transfer_append_only", "ledger_account_guard",
                            "ledger_account_totals_only_by_transfers"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        cursor.execute(sql, params)
        for statement, args in more:
            cursor.execute(statement, args)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_tampering_with_one_transfer_is_named_by_verify_ledger(ledger, capsys):
    victim = Transfer.objects.order_by("id")[1]
    _without_guards("UPDATE ledger_transfer SET memo = 'edited' WHERE id = %s", [victim.pk])
    with pytest.raises(CommandError):
        call_command("verify_ledger")
    assert f"first bad transfer: {victim.pk}" in capsys.readouterr().err


def test_a_changed_amount_shows_as_a_balance_mismatch_and_a_broken_chain(ledger):
    victim = Transfer.objects.order_by("id")[0]
    _without_guards("UPDATE ledger_transfer SET amount = 6000 WHERE id = %s", [victim.pk])
    report = chain.verify()
    assert not report.ok
    assert report.first_bad_transfer == victim.pk
    assert any(f"account {victim.credit_id}" in p for p in report.problems)
    assert any(f"transfer {victim.pk} (link {victim.seal.seq}) does not match its seal" in p for p in report.problems)


def test_a_long_chain_checked_in_parallel_parts_still_names_the_tampered_transfer(postgres_only, ledger, monkeypatch):
    for _ in range(6):
        services.donation_make(actor=ledger.volunteer, donor=ledger.volunteer, amount=1)
    chain.seal_all(now=later())
    monkeypatch.setattr(chain, "PARALLEL_FROM", 2)
    assert chain.verify().ok
    victim = Transfer.objects.order_by("id")[7]  # in the second part
    _without_guards("UPDATE ledger_transfer SET memo = 'edited' WHERE id = %s", [victim.pk])
    report = chain.verify()
    assert not report.ok and report.first_bad_transfer == victim.pk


def test_a_sealed_transfer_voided_with_its_totals_adjusted_is_named_by_verify_ledger(ledger, capsys):
    """The chain's canonical bytes leave out the status, and an attacker who also moves the totals
    back leaves the balances consistent: a sealed transfer must still be posted."""
    victim = Transfer.objects.get(kind=TransferKind.GRANT, credit__owner=ledger.elder)
    link = victim.seal.seq
    _without_guards("UPDATE ledger_transfer SET status = 'voided' WHERE id = %s", [victim.pk],
                    ("UPDATE ledger_account SET posted_credits = posted_credits - %s WHERE id = %s",
                     [victim.amount, victim.credit_id]),
                    ("UPDATE ledger_account SET posted_debits = posted_debits - %s WHERE id = %s",
                     [victim.amount, victim.debit_id]))
    report = chain.verify()
    assert not any("account" in p for p in report.problems)  # the totals were made to agree
    assert report.first_bad_transfer == victim.pk
    assert any(f"transfer {victim.pk}" in p and "voided" in p and f"link {link}" in p for p in report.problems)
    with pytest.raises(CommandError):
        call_command("verify_ledger")


def test_the_nightly_check_alerts_the_bank_admins_once_when_the_ledger_was_tampered(ledger, clock):
    from zoneinfo import ZoneInfo

    from timebank.audit.models import AuditEvent
    from timebank.ledger import tasks
    from timebank.notices.models import Notice, NoticeKind

    shanghai = ZoneInfo("Asia/Shanghai")
    clock.at(dt.datetime(2026, 12, 4, 2, 59, tzinfo=shanghai))
    assert tasks.verify_nightly.call() == 0  # not yet three o'clock: nothing runs
    assert not AuditEvent.objects.filter(action="ledger.verified").exists()

    clock.at(dt.datetime(2026, 12, 4, 3, 0, 30, tzinfo=shanghai))
    assert tasks.verify_nightly.call() == 0  # a clean ledger: recorded, nobody is alarmed
    assert AuditEvent.objects.filter(action="ledger.verified", bank=ledger.bank).count() == 1
    assert not Notice.objects.filter(kind=NoticeKind.LEDGER_ALERT).exists()

    victim = Transfer.objects.order_by("id")[1]
    _without_guards("UPDATE ledger_transfer SET memo = 'edited' WHERE id = %s", [victim.pk])
    clock.at(dt.datetime(2026, 12, 5, 3, 1, tzinfo=shanghai))
    assert tasks.verify_nightly.call() == 1
    alert = Notice.objects.get(kind=NoticeKind.LEDGER_ALERT)
    assert alert.person == ledger.bank_admin and f"transfer {victim.pk}" in alert.text
    assert alert.sms == "pending"  # a short message goes out too
    clock.advance(minutes=10)
    assert tasks.verify_nightly.call() == 0  # the next round of the same night adds nothing
    assert Notice.objects.filter(kind=NoticeKind.LEDGER_ALERT).count() == 1
