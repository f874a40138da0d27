import datetime as dt

import pytest
from django.utils import timezone

from timebank.ledger import services
from timebank.ledger.exceptions import (
    AmountInvalid,
    CurrencyMismatch,
    GiftNotAllowed,
    GiftToSelf,
    HoldAmountExceeded,
    HoldNotPending,
    IdempotencyConflict,
    InsufficientBalance,
    SameAccount,
)
from timebank.ledger.models import AccountKind, Currency, Transfer, TransferKind, TransferStatus
from timebank.orgs.services import bank_rules_set
from timebank.people.services import proxy_confirm, proxy_link


def fund(world, person, minutes):
    issuance = services.system_account(world.branch_a, AccountKind.ISSUANCE)
    return services.transfer_post(debit=issuance, credit=services.member_account(person), amount=minutes,
                                  kind=TransferKind.GRANT)


def test_it_moves_coins_and_keeps_both_totals(world):
    fund(world, world.volunteer, 120)
    account = services.member_account(world.volunteer)
    account.refresh_from_db()
    assert (account.balance, account.available, account.pending) == (120, 120, 0)
    issuance = services.system_account(world.branch_a, AccountKind.ISSUANCE)
    issuance.refresh_from_db()
    assert issuance.balance == -120


@pytest.mark.parametrize("amount", [0, -5, 1.5, "60", True, None, 10**13])
def test_it_refuses_amounts_that_are_not_positive_integers(world, amount):
    fund(world, world.volunteer, 60)
    with pytest.raises(AmountInvalid):
        services.transfer_post(debit=services.member_account(world.volunteer),
                               credit=services.member_account(world.proxy), amount=amount, kind=TransferKind.GIFT)
    assert Transfer.objects.count() == 1


def test_it_refuses_to_overdraw_a_member(world):
    fund(world, world.volunteer, 60)
    with pytest.raises(InsufficientBalance):
        services.transfer_post(debit=services.member_account(world.volunteer),
                               credit=services.member_account(world.proxy), amount=61, kind=TransferKind.GIFT)
    assert services.member_account(world.volunteer).balance == 60


def test_it_refuses_same_account_and_mixed_currencies(world):
    fund(world, world.volunteer, 60)
    time_account = services.member_account(world.volunteer)
    with pytest.raises(SameAccount):
        services.transfer_post(debit=time_account, credit=time_account, amount=1, kind=TransferKind.GIFT)
    with pytest.raises(CurrencyMismatch):
        services.transfer_post(debit=time_account, credit=services.member_account(world.proxy, Currency.POINTS),
                               amount=1, kind=TransferKind.GIFT)


def test_the_same_key_posts_once_and_a_different_request_with_it_is_refused(world):
    fund(world, world.volunteer, 100)
    args = dict(debit=services.member_account(world.volunteer), credit=services.member_account(world.proxy),
                kind=TransferKind.GIFT, idempotency_key="k1")
    first = services.transfer_post(amount=30, **args)
    again = services.transfer_post(amount=30, **args)
    assert first.pk == again.pk
    with pytest.raises(IdempotencyConflict):
        services.transfer_post(amount=31, **args)
    assert services.member_account(world.volunteer).balance == 70


def test_a_hold_reduces_available_but_not_balance_then_partial_post_releases_the_rest(world):
    fund(world, world.elder, 120)
    elder = services.member_account(world.elder)
    escrow = services.system_account(world.station_a1, AccountKind.ESCROW)
    hold = services.hold_create(debit=elder, credit=escrow, amount=90, kind=TransferKind.REDEMPTION)
    elder.refresh_from_db()
    assert (elder.balance, elder.available, elder.pending) == (120, 30, 90)
    with pytest.raises(InsufficientBalance):
        services.transfer_post(debit=elder, credit=services.member_account(world.proxy), amount=31,
                               kind=TransferKind.GIFT)
    with pytest.raises(HoldAmountExceeded):
        services.hold_post(hold=hold, amount=91)
    volunteer = services.member_account(world.volunteer)
    posting = services.hold_post(hold=hold, amount=60, credit=volunteer)
    assert services.hold_post(hold=hold, amount=60, credit=volunteer).pk == posting.pk  # a retry posts nothing more
    elder.refresh_from_db()
    volunteer.refresh_from_db()
    assert (elder.balance, elder.available, elder.pending) == (60, 60, 0)
    assert volunteer.balance == 60
    hold.refresh_from_db()
    assert hold.status == TransferStatus.SETTLED
    with pytest.raises(HoldNotPending):
        services.hold_void(hold=hold)


def test_a_voided_hold_gives_everything_back(world):
    fund(world, world.elder, 60)
    elder = services.member_account(world.elder)
    hold = services.hold_create(debit=elder, credit=services.system_account(world.station_a1, AccountKind.ESCROW),
                                amount=60, kind=TransferKind.REDEMPTION)
    services.hold_void(hold=hold)
    services.hold_void(hold=hold)  # twice is harmless
    elder.refresh_from_db()
    assert (elder.balance, elder.available, elder.pending) == (60, 60, 0)


def test_the_worker_expires_old_holds_and_running_it_twice_changes_nothing(world):
    fund(world, world.elder, 60)
    elder = services.member_account(world.elder)
    hold = services.hold_create(debit=elder, credit=services.system_account(world.station_a1, AccountKind.ESCROW),
                                amount=45, kind=TransferKind.REDEMPTION,
                                expires_at=timezone.now() + dt.timedelta(hours=1))
    assert services.holds_expire() == 0
    later = timezone.now() + dt.timedelta(hours=2)
    assert services.holds_expire(now=later) == 1
    assert services.holds_expire(now=later) == 0
    hold.refresh_from_db()
    elder.refresh_from_db()
    assert hold.status == TransferStatus.EXPIRED
    assert elder.available == 60


def test_gifts_go_to_registered_relatives_only_by_default(world):
    fund(world, world.volunteer, 120)
    with pytest.raises(GiftNotAllowed):
        services.gift_send(actor=world.volunteer, sender=world.volunteer, recipient=world.proxy, amount=60)
    with pytest.raises(GiftToSelf):
        services.gift_send(actor=world.volunteer, sender=world.volunteer, recipient=world.volunteer, amount=60)
    world.elder.is_elder = True
    link = proxy_link(actor=world.station_staff, elder=world.elder, proxy=world.volunteer, relation="child")
    with pytest.raises(GiftNotAllowed):  # not a relative until the link is confirmed
        services.gift_send(actor=world.volunteer, sender=world.volunteer, recipient=world.elder, amount=60)
    proxy_confirm(actor=world.branch_admin, link=link)
    services.gift_send(actor=world.volunteer, sender=world.volunteer, recipient=world.elder, amount=60)
    assert services.member_account(world.elder).balance == 60


def test_any_member_may_receive_gifts_where_the_bank_allows(world):
    bank_rules_set(actor=world.bank_admin, bank=world.bank, gift_recipients="any")
    fund(world, world.volunteer, 120)
    services.gift_send(actor=world.volunteer, sender=world.volunteer, recipient=world.proxy, amount=60)
    assert services.member_account(world.proxy).balance == 60


def test_service_credit_respects_the_daily_cap(world):
    bank_rules_set(actor=world.bank_admin, bank=world.bank, daily_earn_cap_minutes=120)
    first = services.service_credit(volunteer=world.volunteer, minutes=90, points=15, branch=world.branch_a)
    second = services.service_credit(volunteer=world.volunteer, minutes=90, points=15, branch=world.branch_a)
    assert (first["minutes"], second["minutes"], second["capped"]) == (90, 30, 60)
    assert services.member_account(world.volunteer).balance == 120
    assert services.member_account(world.volunteer, Currency.POINTS).balance == 30


def test_service_credit_above_the_balance_cap_donates_the_excess_when_the_bank_says_so(world):
    bank_rules_set(actor=world.bank_admin, bank=world.bank, balance_cap_minutes=100, overflow_policy="donate")
    result = services.service_credit(volunteer=world.volunteer, minutes=150, points=0, branch=world.branch_a)
    assert (result["minutes"], result["overflow"]) == (100, 50)
    assert services.system_account(world.bank, AccountKind.POOL).balance == 50


def test_a_small_correction_posts_at_once_and_a_large_one_needs_a_second_admin(world):
    bank_rules_set(actor=world.bank_admin, bank=world.bank, correction_approval_minutes=1000)
    grant = services.grant_make(actor=world.branch_admin, elder=world.elder, amount=900, source="issuance",
                                reason="困难老人补助").transfer
    small = services.correction_request(actor=world.branch_admin, original=grant, amount=60, reason="多发了一小时")
    assert small.approved is True and small.transfer.corrects_id == grant.pk
    bank_rules_set(actor=world.bank_admin, bank=world.bank, correction_approval_minutes=600)
    big = services.correction_request(actor=world.branch_admin, original=grant, amount=700, reason="录错金额")
    assert big.approved is None
    assert services.member_account(world.elder).balance == 840
    from timebank.ledger.exceptions import ApprovalRequired
    with pytest.raises(ApprovalRequired):
        services.correction_decide(actor=world.branch_admin, request=big, approve=True)
    services.correction_decide(actor=world.bank_admin, request=big, approve=True)
    assert services.member_account(world.elder).balance == 140


def test_another_branchs_admin_cannot_grant_to_this_branchs_elder(world):
    from timebank.lib.errors import NotFound
    with pytest.raises(NotFound):
        services.grant_make(actor=world.other_branch_admin, elder=world.elder, amount=60, source="pool", reason="x")


def test_a_batch_posts_all_or_nothing(world):
    issuance = services.system_account(world.branch_a, AccountKind.ISSUANCE)
    people = [world.volunteer, world.proxy, world.elder]
    batch = services.transfer_post_batch(entries=[(issuance, services.member_account(p), 60) for p in people],
                                         kind=TransferKind.SERVICE_CREDIT, idempotency_key="activity-1")
    assert len(batch) == 3
    again = services.transfer_post_batch(entries=[(issuance, services.member_account(p), 60) for p in people],
                                         kind=TransferKind.SERVICE_CREDIT, idempotency_key="activity-1")
    assert again == batch
    volunteer = services.member_account(world.volunteer)
    with pytest.raises(InsufficientBalance):
        services.transfer_post_batch(entries=[(issuance, services.member_account(world.proxy), 10),
                                              (volunteer, services.member_account(world.elder), 61)],
                                     kind=TransferKind.GIFT)
    assert services.member_account(world.proxy).balance == 60
    assert Transfer.objects.count() == 3


def test_a_large_grant_waits_for_a_second_admin_and_the_same_key_does_not_ask_twice(world):
    from timebank.ledger.exceptions import ApprovalRequired
    request = services.grant_make(actor=world.branch_admin, elder=world.elder, amount=1200, source="pool",
                                  reason="独居困难老人", idempotency_key="g1")
    again = services.grant_make(actor=world.branch_admin, elder=world.elder, amount=1200, source="pool",
                                reason="独居困难老人", idempotency_key="g1")
    assert again.pk == request.pk and request.transfer is None
    assert services.member_account(world.elder).balance == 0
    with pytest.raises(ApprovalRequired):
        services.grant_decide(actor=world.branch_admin, request=request, approve=True)
    services.transfer_post(debit=services.system_account(world.branch_a, AccountKind.ISSUANCE),
                           credit=services.system_account(world.bank, AccountKind.POOL), amount=1200,
                           kind=TransferKind.DONATION)
    decided = services.grant_decide(actor=world.bank_admin, request=request, approve=True)
    assert decided.transfer.amount == 1200
    assert services.member_account(world.elder).balance == 1200


def test_a_small_grant_posts_at_once(world):
    request = services.grant_make(actor=world.branch_admin, elder=world.elder, amount=120, source="issuance",
                                  reason="补助")
    assert request.approved is True and request.transfer.amount == 120
