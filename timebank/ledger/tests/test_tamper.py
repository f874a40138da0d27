"""What a database superuser can do that no grant stops, and how `verify_ledger` names it.

A superuser can switch the ledger's triggers off and rewrite rows, totals and seals so that the
balances agree again. Each tamper below does exactly that and then checks that verification names
the transfer, where it sits in the chain and the field that changed; a rewritten chain is caught by
an anchor noted outside the database."""
import contextlib
import hashlib

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from timebank.ledger import chain, services
from timebank.ledger.models import AccountKind, Seal, TransferKind

TABLES = ("ledger_transfer", "ledger_account", "ledger_seal", "ledger_chainhead")


@contextlib.contextmanager
def superuser():
    """A cursor with the ledger's triggers out of the way, as only a database superuser has it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
            try:
                yield cursor
            finally:
                cursor.execute("RESET session_replication_role")
            return
        names = ", ".join(f"'{t}'" for t in TABLES)
        cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({names})")
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f"DROP TRIGGER {name}")
        try:
            yield cursor
        finally:
            for _name, sql in triggers:
                cursor.execute(sql)


@pytest.fixture
def ledger(world):
    issuance = services.system_account(world.branch_a, AccountKind.ISSUANCE)
    member = services.member_account(world.volunteer)
    grants = [services.transfer_post(debit=issuance, credit=member, amount=60, kind=TransferKind.GRANT,
                                     memo=f"grant {n}") for n in range(3)]
    return world, issuance, member, grants


def seal(transfers):
    chain.seal_all(now=max(t.created_at for t in transfers) + chain.SEAL_MARGIN * 10)


def move_totals(cursor, transfer, amount):
    """Shift both accounts' posted totals by `amount`, as a tamperer covering his tracks would."""
    cursor.execute("UPDATE ledger_account SET posted_debits = posted_debits + %s WHERE id = %s",
                   [amount, transfer.debit_id])
    cursor.execute("UPDATE ledger_account SET posted_credits = posted_credits + %s WHERE id = %s",
                   [amount, transfer.credit_id])


def link(transfer) -> str:
    return f"link {Seal.objects.get(transfer=transfer).seq} of bank {transfer.bank_id}'s chain"


def test_an_untouched_ledger_verifies(ledger):
    _, _, _, grants = ledger
    seal(grants)
    report = chain.verify()
    assert report.ok and report.sealed == 3 and report.unsealed == 0


def test_a_sealed_transfer_flipped_to_voided_with_its_totals_is_named(ledger):
    _, _, _, grants = ledger
    seal(grants)
    target = grants[1]
    with superuser() as cursor:
        cursor.execute("UPDATE ledger_transfer SET status = 'voided' WHERE id = %s", [target.pk])
        move_totals(cursor, target, -60)
    problems = chain.verify().problems
    assert (f"transfer {target.pk} ({link(target)}): its status was changed outside the application "
            "(fingerprint mismatch)") in problems
    assert any(f"transfer {target.pk} (link 2) was sealed as posted but its status is now voided" in p
               for p in problems)
    assert not any(p.startswith("account ") for p in problems)  # the totals were made to agree


def test_an_edit_before_the_seal_is_named_and_stays_named_after_sealing(ledger):
    _, _, _, grants = ledger
    target = grants[2]
    with superuser() as cursor:  # the worker has not sealed it yet
        cursor.execute("UPDATE ledger_transfer SET amount = 600 WHERE id = %s", [target.pk])
        move_totals(cursor, target, 540)
    assert chain.verify().problems == [
        f"transfer {target.pk} (not yet sealed): its amount was changed outside the application "
        "(fingerprint mismatch)"]
    seal(grants)  # the worker then seals the changed row as it finds it
    assert chain.verify().problems == [
        f"transfer {target.pk} ({link(target)}): its amount was changed outside the application "
        "(fingerprint mismatch)"]


def test_a_sealed_memo_edit_is_named_by_the_chain_and_the_fingerprint(ledger):
    _, _, _, grants = ledger
    seal(grants)
    target = grants[0]
    with superuser() as cursor:
        cursor.execute("UPDATE ledger_transfer SET memo = 'refund' WHERE id = %s", [target.pk])
    problems = chain.verify().problems
    assert (f"transfer {target.pk} ({link(target)}): its memo was changed outside the application "
            "(fingerprint mismatch)") in problems
    assert f"bank {target.bank_id}: transfer {target.pk} (link 1) does not match its seal: memo changed after " \
           "sealing" in problems


def test_several_fields_changed_at_once_are_all_named(ledger):
    world, _, _, grants = ledger
    target = grants[1]
    elder = services.member_account(world.elder)
    with superuser() as cursor:
        cursor.execute("UPDATE ledger_transfer SET credit_id = %s, kind = 'gift' WHERE id = %s",
                       [elder.pk, target.pk])
        cursor.execute("UPDATE ledger_account SET posted_credits = posted_credits - 60 WHERE id = %s",
                       [target.credit_id])
        cursor.execute("UPDATE ledger_account SET posted_credits = posted_credits + 60 WHERE id = %s", [elder.pk])
    assert chain.verify().problems == [
        f"transfer {target.pk} (not yet sealed): its credit_id, kind were changed outside the application "
        "(fingerprint mismatch)"]


def test_a_copied_row_is_named_as_a_copy(ledger):
    _, _, _, grants = ledger
    original = grants[0]
    columns = ("bank_id, debit_id, credit_id, amount, currency, kind, status, subject_type, subject_id, memo, "
               "created_at, mac")
    with connection.cursor() as cursor:  # the insert triggers stay on: they even move the totals for him
        cursor.execute(f"INSERT INTO ledger_transfer ({columns}) SELECT {columns} FROM ledger_transfer WHERE id = %s "
                       "RETURNING id", [original.pk])
        copy = cursor.fetchone()[0]
    report = chain.verify()
    assert report.problems == [f"transfers {original.pk} and {copy} carry the same fingerprint: transfer {copy} is "
                               "a copy written outside the application"]
    assert report.first_bad_transfer == copy


def test_a_row_forged_with_a_made_up_fingerprint_is_named(ledger):
    world, issuance, member, _ = ledger
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO ledger_transfer (bank_id, debit_id, credit_id, amount, currency, kind, status, "
                       "subject_type, subject_id, memo, created_at, mac) VALUES (%s, %s, %s, 6000, 'time', 'grant', "
                       "'posted', '', '', '', CURRENT_TIMESTAMP, %s) RETURNING id",
                       [world.bank.pk, issuance.pk, member.pk, "1" + "ab" * 58])
        forged = cursor.fetchone()[0]
    problems = chain.verify().problems
    assert problems == [f"transfer {forged} (not yet sealed): no field matches its fingerprint: the row was "
                        "rewritten whole, or this server runs with another TIMEBANK_LEDGER_KEY than the one that wrote it"]


def _rewrite_chain_without(cursor, victim, bank_id):
    """Delete a sealed transfer and renumber and rehash every later link, head included: the chain is
    consistent again and every remaining row still matches its own fingerprint."""
    cursor.execute("DELETE FROM ledger_seal WHERE transfer_id = %s", [victim.pk])
    cursor.execute("DELETE FROM ledger_transfer WHERE id = %s", [victim.pk])
    move_totals(cursor, victim, -victim.amount)
    previous, seq = chain.GENESIS, 0
    for seal_row in Seal.objects.filter(bank_id=bank_id).order_by("seq").select_related("transfer"):
        seq += 1
        values = tuple(getattr(seal_row.transfer, f) for f in chain.CANONICAL_FIELDS)
        previous = hashlib.sha256(previous.encode() + chain.canonical(values)).hexdigest()
        cursor.execute("UPDATE ledger_seal SET seq = %s, hash = %s WHERE transfer_id = %s",
                       [seq, previous, seal_row.transfer_id])
    cursor.execute("UPDATE ledger_chainhead SET seq = %s, hash = %s WHERE bank_id = %s", [seq, previous, bank_id])


def test_a_rewritten_chain_is_caught_by_an_anchor_kept_outside_the_database(ledger):
    world, _, _, grants = ledger
    seal(grants)
    anchor = chain.anchor_of(world.bank.pk)
    assert anchor == f"{world.bank.pk}:3:{Seal.objects.get(transfer=grants[2]).hash}"
    with superuser() as cursor:
        _rewrite_chain_without(cursor, grants[1], world.bank.pk)
    # Without the anchor the books, the chain and every fingerprint agree: the deletion is invisible.
    assert chain.verify().ok
    report = chain.verify(anchors=[chain.parse_anchor(anchor)])
    assert report.problems == [f"bank {world.bank.pk}: the anchored link 3 is gone from the chain"]
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_ledger", "--anchor", anchor)


def test_an_anchor_that_still_holds_passes_and_a_malformed_one_is_refused(ledger):
    world, _, _, grants = ledger
    seal(grants)
    call_command("verify_ledger", "--anchor", chain.anchor_of(world.bank.pk))
    with pytest.raises(CommandError, match="BANK:SEQ:HASH"):
        call_command("verify_ledger", "--anchor", "not-an-anchor")


def test_a_server_with_another_ledger_key_says_so(ledger, settings):
    _, _, _, grants = ledger
    settings.TIMEBANK_LEDGER_KEY = "another-key-than-the-one-that-wrote-the-rows"
    problems = chain.verify().problems
    assert len(problems) == 3 and all("another TIMEBANK_LEDGER_KEY" in p for p in problems)
