"""通存通兑 in one deployment: gifts to a member of another bank, moving a member, the netting run."""
import datetime as dt

import pytest
from django.utils import timezone

from timebank.clearing import services
from timebank.clearing.exceptions import (
    ClearingMismatch,
    MoveBlocked,
    NettingAlreadyRun,
    NotAnotherBank,
    RecipientUnknown,
    StationInOwnBank,
)
from timebank.clearing.models import CrossBankTransfer, MemberMove, NettingPosition
from timebank.ledger import chain
from timebank.ledger import services as ledger
from timebank.ledger.exceptions import (
    AccountUnknown,
    BalanceCapExceeded,
    GiftNotAllowed,
    InsufficientBalance,
    LimitExceeded,
)
from timebank.ledger.models import Account, AccountKind, Currency, Transfer, TransferKind
from timebank.ledger.selectors import accounts_of
from timebank.lib.errors import DomainError, PermissionDenied
from timebank.orgs.services import bank_rules_set


def _day(days_ago: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days_ago)


def _coins(person, currency=Currency.TIME):
    return ledger.member_account(person, currency).balance


def _clearing(bank, peer, currency=Currency.TIME):
    return Account.objects.get(kind=AccountKind.CLEARING, node=bank, peer=peer, currency=currency).balance


def _issued(bank, currency=Currency.TIME):
    """Coins the bank has in its members' hands and pools: minus the sum of its system accounts that may
    go negative (issuance everywhere in the bank) — equal to what its members and pools hold plus
    what its clearing accounts hold."""
    accounts = Account.objects.filter(bank=bank, currency=currency)
    return sum(a.balance for a in accounts if a.kind != AccountKind.ISSUANCE)


def test_it_gives_coins_to_a_member_of_another_bank_and_both_ledgers_balance(world, hongkou, fund):
    fund(world.volunteer, 300)
    record = services.cross_bank_gift(actor=world.volunteer, sender=world.volunteer, recipient=hongkou.mother,
                                      amount=120, memo="给妈妈", idempotency_key="k1")
    assert (_coins(world.volunteer), _coins(hongkou.mother)) == (180, 120)
    assert _clearing(world.bank, hongkou.bank) == 120  # 杨浦 owes 虹口 the coins its member spent there
    assert _clearing(hongkou.bank, world.bank) == -120
    assert (record.out_transfer.bank_id, record.in_transfer.bank_id) == (world.bank.pk, hongkou.bank.pk)
    assert chain.verify().ok and chain.verify(world.bank.pk).ok and chain.verify(hongkou.bank.pk).ok


def test_the_same_key_gives_once(world, hongkou, fund):
    fund(world.volunteer, 300)
    first = services.cross_bank_gift(actor=world.volunteer, sender=world.volunteer, recipient=hongkou.mother,
                                     amount=100, idempotency_key="same")
    again = services.cross_bank_gift(actor=world.volunteer, sender=world.volunteer, recipient=hongkou.mother,
                                     amount=100, idempotency_key="same")
    assert again.pk == first.pk and not again.is_new
    assert CrossBankTransfer.objects.count() == 1 and _coins(world.volunteer) == 200


@pytest.mark.parametrize("case", ["too_much", "same_bank", "relatives_only", "over_their_cap", "over_max",
                                  "not_mine", "negative"])
def test_a_refused_gift_changes_nothing(world, hongkou, fund, case):
    fund(world.volunteer, 100)
    sender, recipient, amount, actor, error = world.volunteer, hongkou.mother, 60, world.volunteer, None
    if case == "too_much":
        amount, error = 101, InsufficientBalance
    elif case == "same_bank":
        recipient, error = world.proxy, NotAnotherBank
    elif case == "relatives_only":
        bank_rules_set(actor=hongkou.bank_admin, bank=hongkou.bank, gift_recipients="relatives")
        error = GiftNotAllowed
    elif case == "over_their_cap":
        bank_rules_set(actor=hongkou.bank_admin, bank=hongkou.bank, gift_recipients="any", balance_cap_minutes=30)
        error = BalanceCapExceeded
    elif case == "over_max":
        bank_rules_set(actor=hongkou.bank_admin, bank=hongkou.bank, gift_recipients="any", gift_max_minutes=30)
        error = LimitExceeded
    elif case == "not_mine":
        actor, error = world.proxy, AccountUnknown
    elif case == "negative":
        amount, error = -5, DomainError
    with pytest.raises(error):
        services.cross_bank_gift(actor=actor, sender=sender, recipient=recipient, amount=amount)
    assert _coins(world.volunteer) == 100 and _coins(hongkou.mother) == 0
    assert not CrossBankTransfer.objects.exists()
    assert not Transfer.objects.filter(kind=TransferKind.GIFT).exists()


def test_a_recipient_is_found_by_mobile_only_in_another_bank_of_the_platform(world, hongkou):
    assert services.recipient_in_other_bank(world.volunteer, "138 0000 0101") == hongkou.mother
    with pytest.raises(NotAnotherBank):
        services.recipient_in_other_bank(world.volunteer, world.proxy.mobile)
    with pytest.raises(RecipientUnknown):
        services.recipient_in_other_bank(world.volunteer, "13812345678")


def test_netting_settles_every_clearing_account_to_zero_and_the_positions_sum_to_zero(world, hongkou, fund,
                                                                                      platform_admin):
    fund(world.volunteer, 500)
    fund(hongkou.member, 500)
    services.cross_bank_gift(actor=world.volunteer, sender=world.volunteer, recipient=hongkou.mother, amount=200)
    services.cross_bank_gift(actor=hongkou.member, sender=hongkou.member, recipient=world.proxy, amount=50)
    before = {b.pk: _issued(b) for b in (world.bank, hongkou.bank)}
    run = services.netting_run(actor=platform_admin, platform=world.platform, business_day=_day(1))
    positions = {(p.bank_id, p.peer_id): p for p in NettingPosition.objects.filter(run=run)}
    assert positions[(world.bank.pk, hongkou.bank.pk)].balance == 150  # 200 sent − 50 received
    assert positions[(hongkou.bank.pk, world.bank.pk)].balance == -150
    assert sum(p.balance for p in positions.values()) == 0
    assert run.records == 2 and run.settled_minutes == 150
    assert _clearing(world.bank, hongkou.bank) == _clearing(hongkou.bank, world.bank) == 0
    after = {b.pk: _issued(b) for b in (world.bank, hongkou.bank)}
    # 杨浦 retired the 150 its members spent in 虹口 on balance; 虹口 issued them; the city's total is the same.
    assert after[world.bank.pk] == before[world.bank.pk] - 150 and after[hongkou.bank.pk] == before[hongkou.bank.pk] + 150
    assert chain.verify().ok
    with pytest.raises(NettingAlreadyRun):
        services.netting_run(actor=platform_admin, platform=world.platform, business_day=_day(1))
    assert Transfer.objects.filter(kind=TransferKind.SETTLEMENT).count() == 2


def test_a_netting_run_with_nothing_to_settle_posts_nothing_and_the_next_one_counts_only_new_records(
        world, hongkou, fund, platform_admin):
    fund(world.volunteer, 500)
    services.cross_bank_gift(actor=world.volunteer, sender=world.volunteer, recipient=hongkou.mother, amount=40)
    services.netting_run(actor=platform_admin, platform=world.platform, business_day=_day(3))
    empty = services.netting_run(actor=platform_admin, platform=world.platform, business_day=_day(2))
    assert empty.records == 0 and not empty.positions.exists()
    services.cross_bank_gift(actor=world.volunteer, sender=world.volunteer, recipient=hongkou.mother, amount=25)
    third = services.netting_run(actor=platform_admin, platform=world.platform, business_day=_day(1))
    assert third.records == 1 and third.settled_minutes == 25
    assert Transfer.objects.filter(kind=TransferKind.SETTLEMENT).count() == 4


def test_netting_refuses_when_a_clearing_account_moved_without_a_record(world, hongkou, fund, platform_admin):
    fund(world.volunteer, 500)
    services.cross_bank_gift(actor=world.volunteer, sender=world.volunteer, recipient=hongkou.mother, amount=40)
    # A posting straight to the clearing account (a shell session, say), with no cross-bank record.
    ledger.transfer_post(debit=ledger.member_account(world.volunteer),
                         credit=ledger.clearing_account(world.bank, hongkou.bank), amount=5, kind=TransferKind.GIFT)
    with pytest.raises(ClearingMismatch):
        services.netting_run(actor=platform_admin, platform=world.platform, business_day=_day(1))
    assert not Transfer.objects.filter(kind=TransferKind.SETTLEMENT).exists()


def test_only_the_platform_runs_the_netting(world, hongkou):
    with pytest.raises(PermissionDenied):
        services.netting_run(actor=world.bank_admin, platform=world.platform, business_day=_day(1))


def test_moving_a_member_keeps_the_coins_the_history_and_the_city_total(world, hongkou, fund, platform_admin):
    fund(world.volunteer, 400)
    fund(world.volunteer, 30, currency=Currency.POINTS)
    old = accounts_of(world.volunteer)
    total_before = sum(a.balance for a in Account.objects.filter(kind=AccountKind.MEMBER, currency=Currency.TIME))
    move = services.member_move(actor=world.bank_admin, person=world.volunteer, station=hongkou.station,
                                reason="随女儿搬到虹口")
    world.volunteer.refresh_from_db()
    assert (world.volunteer.bank_id, world.volunteer.node_id) == (hongkou.bank.pk, hongkou.station.pk)
    new = accounts_of(world.volunteer)
    assert new[Currency.TIME].bank_id == hongkou.bank.pk and new[Currency.TIME].balance == 400
    assert new[Currency.POINTS].balance == 30
    old_time = Account.objects.get(pk=old[Currency.TIME].pk)
    assert old_time.bank_id == world.bank.pk and old_time.balance == 0  # the old passbook stays, emptied
    assert (move.minutes, move.points) == (400, 30)
    total_after = sum(a.balance for a in Account.objects.filter(kind=AccountKind.MEMBER, currency=Currency.TIME))
    assert total_after == total_before
    assert MemberMove.objects.filter(person=world.volunteer).count() == 1
    assert chain.verify().ok
    services.netting_run(actor=platform_admin, platform=world.platform, business_day=_day(1))
    assert chain.verify().ok


@pytest.mark.parametrize("case", ["own_bank", "other_banks_staff", "held_coins", "staff_role", "no_reason"])
def test_a_refused_move_changes_nothing(world, hongkou, fund, case):
    fund(world.elder, 200)
    person, station, actor, reason, error = world.elder, hongkou.station, world.bank_admin, "搬家", None
    if case == "own_bank":
        station, error = world.station_b1, StationInOwnBank
    elif case == "other_banks_staff":
        actor, error = hongkou.bank_admin, AccountUnknown
    elif case == "held_coins":
        ledger.hold_create(debit=ledger.member_account(world.elder),
                           credit=ledger.system_account(world.station_a1, AccountKind.ESCROW), amount=60,
                           kind=TransferKind.REDEMPTION)
        error = MoveBlocked
    elif case == "staff_role":
        person, error = world.station_staff, MoveBlocked
    elif case == "no_reason":
        reason, error = " ", DomainError
    with pytest.raises(error):
        services.member_move(actor=actor, person=person, station=station, reason=reason)
    person.refresh_from_db()
    assert person.bank_id == world.bank.pk
    assert not MemberMove.objects.exists() and not CrossBankTransfer.objects.exists()


def test_verify_ledger_names_a_clearing_account_that_no_longer_cancels_its_peers(world, hongkou, fund):
    fund(world.volunteer, 100)
    services.cross_bank_gift(actor=world.volunteer, sender=world.volunteer, recipient=hongkou.mother, amount=30)
    assert chain.verify().ok
    # One leg without the other (what a shell session could do): both banks' ledgers balance on their
    # own, but the pair no longer cancels out.
    ledger.transfer_post(debit=ledger.clearing_account(hongkou.bank, world.bank),
                         credit=ledger.member_account(hongkou.member), amount=7, kind=TransferKind.GIFT)
    report = chain.verify(world.bank.pk)
    assert not report.ok and any("cancel out" in p for p in report.problems)
    assert not chain.verify().ok


def test_a_remembered_clearing_account_that_is_no_longer_it_is_never_posted_to(world, hongkou, fund):
    from timebank.ledger.services import crossbank

    fund(world.volunteer, 100)
    fund(world.proxy, 5)
    decoy = ledger.member_account(world.proxy)  # an account that is not a clearing account at all
    crossbank._PAIRS[(world.bank.pk, hongkou.bank.pk, Currency.TIME)] = (decoy.pk, decoy.pk + 1)
    services.cross_bank_gift(actor=world.volunteer, sender=world.volunteer, recipient=hongkou.mother, amount=40)
    assert ledger.member_account(world.proxy).balance == 5
    assert _clearing(world.bank, hongkou.bank) == 40 and _clearing(hongkou.bank, world.bank) == -40
    assert crossbank._PAIRS[(world.bank.pk, hongkou.bank.pk, Currency.TIME)] != (decoy.pk, decoy.pk + 1)
    assert chain.verify().ok


def test_a_remembered_pair_that_is_no_longer_the_clearing_accounts_is_never_handed_out(world, hongkou, fund):
    """`clearing_accounts_between` (a hold for a service in another bank is made to what it returns) reads
    the remembered ids again when they are other accounts now (SQLite reuses the id of a rolled-back row),
    not only when they are gone."""
    from timebank.ledger.services import crossbank

    fund(world.proxy, 5)
    decoys = (ledger.member_account(world.proxy), ledger.member_account(hongkou.mother))
    crossbank._PAIRS[(world.bank.pk, hongkou.bank.pk, Currency.TIME)] = (decoys[0].pk, decoys[1].pk)
    out_clearing, in_clearing = ledger.clearing_accounts_between(world.bank, hongkou.bank, Currency.TIME)
    assert (out_clearing.kind, out_clearing.node_id, out_clearing.peer_id) == (
        AccountKind.CLEARING, world.bank.pk, hongkou.bank.pk)
    assert (in_clearing.kind, in_clearing.node_id, in_clearing.peer_id) == (
        AccountKind.CLEARING, hongkou.bank.pk, world.bank.pk)
