"""跨区兑换 (issue 19, "Redeem in another bank"): an elder of 杨浦区 books a service at a station of 虹口区
and pays with their own coins. The coins are held and spent in 杨浦区, the volunteer is credited by 虹口区,
both through the banks' clearing accounts with each other; the netting run settles them."""
import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from timebank.clearing import services as clearing
from timebank.clearing.models import CrossBankKind, CrossBankTransfer, NettingPosition
from timebank.conftest import make_person
from timebank.demands import services
from timebank.demands.models import AssignmentStatus, DemandStatus, ServiceType
from timebank.ledger import chain
from timebank.ledger import services as ledger
from timebank.ledger.exceptions import (
    AccountUnknown,
    HoldAmountExceeded,
    InsufficientBalance,
    RedemptionAcrossBanksNotAllowed,
    SameBank,
)
from timebank.ledger.models import Account, AccountKind, Currency, Transfer, TransferKind, TransferStatus
from timebank.ledger.selectors import passbook
from timebank.lib.errors import NotFound
from timebank.orgs.models import NodeKind
from timebank.orgs.roles import Role
from timebank.orgs.services import bank_rules_set, node_create, role_grant

from .conftest import HERE, NEAR, grant_coins, tomorrow_at


@pytest.fixture
def hongkou(demand_world):
    """A second bank of the platform with a station on the map, its staff and a volunteer."""
    h = type("Hongkou", (), {})()
    h.bank = node_create(actor=None, parent=demand_world.platform, kind=NodeKind.BANK, name="虹口区",
                         name_en="Hongkou")
    h.branch = node_create(actor=None, parent=h.bank, kind=NodeKind.BRANCH, name="四川北路街道")
    h.station = node_create(actor=None, parent=h.branch, kind=NodeKind.STATION, name="多伦路社区")
    h.station.latitude, h.station.longitude = HERE
    h.station.save(update_fields=["latitude", "longitude"])
    h.bank_admin = make_person(h.station, "虹口管理员", mobile="13900000101")
    role_grant(actor=None, person=h.bank_admin, role=Role.BANK_ADMIN, node=h.bank)
    h.staff = make_person(h.station, "多伦路站员", mobile="13900000102")
    role_grant(actor=None, person=h.staff, role=Role.STATION_STAFF, node=h.station)
    h.volunteer = make_person(h.station, "钱志愿", mobile="13800000103", is_volunteer=True,
                              volunteer_status="approved")
    h.chat = ServiceType.objects.get(bank=h.bank, code="chat_visit")
    return h


@pytest.fixture
def platform_admin(demand_world):
    admin = make_person(demand_world.station_a1, "市平台管理员", mobile="13900000100")
    role_grant(actor=None, person=admin, role=Role.PLATFORM_ADMIN, node=demand_world.platform)
    return admin


def _book(w, h, *, actor=None, minutes=60, headcount=1, publish=True, starts_at=None):
    """The elder's side books a chat visit at 多伦路社区 (虹口区), paid with the elder's 杨浦 coins."""
    starts_at = starts_at or tomorrow_at(9)
    return services.demand_create(actor=actor or w.proxy, station=h.station, service_type=h.chat,
                                  starts_at=starts_at, ends_at=starts_at + dt.timedelta(minutes=minutes),
                                  elder=w.elder, headcount=headcount, payer="elder", address="多伦路 10 号",
                                  latitude=HERE[0], longitude=HERE[1], publish=publish)


def _serve(clock, demand, volunteer, minutes=60):
    assignment = services.demand_claim(actor=volunteer, demand=demand)
    clock.at(demand.starts_at)
    assignment = services.assignment_check_in(actor=volunteer, assignment=assignment, latitude=NEAR[0],
                                              longitude=NEAR[1])
    clock.advance(minutes=minutes)
    return services.assignment_check_out(actor=volunteer, assignment=assignment)


def _clearing(bank, peer):
    return Account.objects.get(kind=AccountKind.CLEARING, node=bank, peer=peer, currency=Currency.TIME)


def test_cross_bank_redemption_end_to_end(demand_world, hongkou, clock, platform_admin):
    """Cross-bank redemption end to end: publish in 虹口 for 杨浦's elder → claim → check in and out →
    confirm → the elder's 杨浦 coins down, the 虹口 volunteer's up, the clearing pair cancels, the netting
    run settles it, and the whole ledger checks out."""
    w, h = demand_world, hongkou
    grant_coins(w, w.elder, 200)
    demand = _book(w, h, minutes=60)
    assert demand.status == DemandStatus.PUBLISHED and demand.bank_id == h.bank.pk
    elder_account = ledger.member_account(w.elder)
    assert (elder_account.balance, elder_account.available) == (200, 140)
    hold = Transfer.objects.get(subject_id=str(demand.pk), status=TransferStatus.PENDING)
    assert hold.bank_id == w.bank.pk and hold.credit == _clearing(w.bank, h.bank)

    assignment = _serve(clock, demand, h.volunteer, minutes=45)
    services.assignment_confirm(actor=w.elder, assignment=assignment, rating=5)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CREDITED and assignment.credited_minutes == 45

    elder_account.refresh_from_db()
    assert (elder_account.balance, elder_account.available) == (155, 155)  # 45 spent, the rest released
    assert ledger.member_account(h.volunteer).balance == 45
    assert ledger.member_account(h.volunteer, Currency.POINTS).balance > 0  # 虹口's points, as for any service
    assert _clearing(w.bank, h.bank).balance == 45 and _clearing(h.bank, w.bank).balance == -45
    record = CrossBankTransfer.objects.get(kind=CrossBankKind.REDEEM)
    assert (record.bank_id, record.peer_id, record.amount) == (w.bank.pk, h.bank.pk, 45)
    assert (record.sender, record.recipient) == (w.elder, h.volunteer)
    assert record.out_transfer.hold_id == hold.pk and record.in_transfer.credit == ledger.member_account(h.volunteer)
    assert record.out_transfer.bank_id == w.bank.pk and record.in_transfer.bank_id == h.bank.pk
    # Redeemed once, in 杨浦; in 虹口 the coins arrived from another bank.
    assert (record.out_transfer.kind, record.in_transfer.kind) == (TransferKind.REDEMPTION, TransferKind.CROSS_BANK)

    # Both passbooks say where the service was and with whose coins.
    elder_line = next(line for line in passbook(ledger.member_account(w.elder))[1]
                      if line.transfer.pk == record.out_transfer_id)
    volunteer_line = next(line for line in passbook(ledger.member_account(h.volunteer))[1]
                          if line.transfer.pk == record.in_transfer_id)
    for line in (elder_line, volunteer_line):
        assert "虹口区" in line.summary and "杨浦区" in line.summary and str(h.chat) in line.summary

    run = clearing.netting_run(actor=platform_admin, platform=w.platform,
                               business_day=timezone.localdate() - dt.timedelta(days=1))
    assert run.records == 1 and run.settled_minutes == 45
    position = NettingPosition.objects.get(run=run, bank=w.bank, peer=h.bank)
    assert (position.sent, position.received, position.balance) == (45, 0, 45)
    assert _clearing(w.bank, h.bank).balance == _clearing(h.bank, w.bank).balance == 0
    assert chain.verify().ok
    call_command("verify_ledger")


def test_cancelling_a_booking_in_another_bank_releases_the_coins_in_the_elders_bank(demand_world, hongkou):
    w, h = demand_world, hongkou
    grant_coins(w, w.elder, 120)
    demand = _book(w, h, headcount=2)
    assert ledger.member_account(w.elder).available == 0
    services.demand_claim(actor=h.volunteer, demand=demand)
    services.demand_cancel(actor=w.elder, demand=demand, reason="住院")
    account = ledger.member_account(w.elder)
    assert (account.balance, account.available) == (120, 120)
    assert Transfer.objects.filter(subject_id=str(demand.pk), status=TransferStatus.VOIDED,
                                   bank=w.bank).count() == 2
    assert _clearing(w.bank, h.bank).balance == 0 and not CrossBankTransfer.objects.exists()
    assert chain.verify().ok


def test_an_expired_hold_for_another_bank_is_released_by_the_worker(demand_world, hongkou):
    w, h = demand_world, hongkou
    grant_coins(w, w.elder, 60)
    _book(w, h)
    assert ledger.member_account(w.elder).available == 0
    assert ledger.holds_expire(now=timezone.now() + dt.timedelta(days=400)) == 1
    assert ledger.member_account(w.elder).available == 60


@pytest.mark.parametrize("bank", ["elders", "stations"])
def test_it_is_refused_when_either_bank_disallows_it(demand_world, hongkou, bank):
    w, h = demand_world, hongkou
    grant_coins(w, w.elder, 120)
    if bank == "elders":
        bank_rules_set(actor=w.bank_admin, bank=w.bank, redeem_across_banks=False)
    else:
        bank_rules_set(actor=h.bank_admin, bank=h.bank, redeem_across_banks=False)
    with pytest.raises(RedemptionAcrossBanksNotAllowed):
        _book(w, h)
    assert ledger.member_account(w.elder).available == 120
    assert not Account.objects.filter(kind=AccountKind.CLEARING, pending_credits__gt=0).exists()


def test_another_bank_serves_an_elder_only_with_their_own_coins_and_within_them(demand_world, hongkou):
    w, h = demand_world, hongkou
    starts_at = tomorrow_at(9)
    with pytest.raises(Exception) as refused:
        services.demand_create(actor=w.proxy, station=h.station, service_type=h.chat, starts_at=starts_at,
                               ends_at=starts_at + dt.timedelta(hours=1), elder=w.elder, payer="branch")
    assert refused.value.code == "other_bank_pays_with_coins"
    grant_coins(w, w.elder, 30)
    with pytest.raises(InsufficientBalance):
        _book(w, h)


def test_another_banks_staff_cannot_reach_the_elders_record_nor_book_for_them_by_id(demand_world, hongkou):
    """Only the elder's side books in another bank; 虹口's staff neither find 杨浦's elder by id nor read
    their record."""
    w, h = demand_world, hongkou
    from timebank.orgs.roles import Perm
    from timebank.people.access import access_elder

    with pytest.raises(NotFound):
        access_elder(h.staff, w.elder.pk, for_=Perm.DEMANDS_MANAGE)
    with pytest.raises(NotFound):
        _book(w, h, actor=h.staff)


def test_a_supplier_does_not_take_a_request_paid_with_another_banks_coins(demand_world, hongkou):
    w, h = demand_world, hongkou
    grant_coins(w, w.elder, 60)
    demand = _book(w, h)
    with pytest.raises(Exception) as refused:
        services.demand_hand_to_supplier(demand_id=demand.pk, subject=demand)
    assert refused.value.code == "paid_in_other_bank"
    assert ledger.member_account(w.elder).available == 0  # still held for the volunteers


def test_the_ledger_posts_a_hold_across_banks_once_and_never_more_than_held(demand_world, hongkou):
    w, h = demand_world, hongkou
    grant_coins(w, w.elder, 100)
    out_clearing, in_clearing = ledger.clearing_accounts_between(w.bank, h.bank, Currency.TIME)
    hold = ledger.hold_create(debit=ledger.member_account(w.elder), credit=out_clearing, amount=60,
                              kind=TransferKind.REDEMPTION)
    volunteer = ledger.member_account(h.volunteer)
    with pytest.raises(HoldAmountExceeded):
        ledger.cross_bank_hold_post(hold=hold, credit=volunteer, amount=61, idempotency_key="x")
    with pytest.raises(SameBank):  # a member of the hold's own bank is paid with hold_post
        ledger.cross_bank_hold_post(hold=hold, credit=ledger.member_account(w.volunteer), idempotency_key="x")
    first = ledger.cross_bank_hold_post(hold=hold, credit=volunteer, amount=40, idempotency_key="x")
    again = ledger.cross_bank_hold_post(hold=hold, credit=volunteer, amount=40, idempotency_key="x")
    assert [t.pk for t in first] == [t.pk for t in again]
    assert (first[0].debit_id, first[0].credit_id) == (ledger.member_account(w.elder).pk, out_clearing.pk)
    assert (first[1].debit_id, first[1].credit_id) == (in_clearing.pk, volunteer.pk)
    elder = ledger.member_account(w.elder)
    assert (elder.balance, elder.available) == (60, 60) and ledger.member_account(h.volunteer).balance == 40
    assert out_clearing.__class__.objects.get(pk=out_clearing.pk).balance == 40
    assert in_clearing.__class__.objects.get(pk=in_clearing.pk).balance == -40
    # A hold to escrow (an ordinary booking) is not a hold for another bank.
    local = ledger.hold_create(debit=ledger.member_account(w.elder), credit=ledger.system_account(
        w.station_a1, AccountKind.ESCROW), amount=30, kind=TransferKind.REDEMPTION)
    with pytest.raises(AccountUnknown):
        ledger.cross_bank_hold_post(hold=local, credit=volunteer)
    assert chain.verify().ok


def _issued():
    """Coins in circulation: what every issuance account has given out (time)."""
    return -sum(a.balance for a in Account.objects.filter(kind=AccountKind.ISSUANCE, currency=Currency.TIME))


@pytest.mark.parametrize("across", [True, False])
def test_a_redemption_over_the_volunteers_cap_donates_the_excess_of_the_elders_coins_and_issues_none(
        demand_world, hongkou, across):
    """The "donate" policy with a hold: the volunteer ends at the cap and the excess goes to the pool, out of
    what the elder paid; no coin is issued for it (the excess was issued from the branch's issuance on top of
    the whole hold paid to the volunteer: coins created, and the cap broken)."""
    w, h = demand_world, hongkou
    grant_coins(w, w.elder, 100)
    bank, branch, volunteer = (h.bank, h.branch, h.volunteer) if across else (w.bank, w.branch_a, w.volunteer)
    bank_rules_set(actor=None, bank=bank, balance_cap_minutes=100, overflow_policy="donate")
    credit = (ledger.clearing_accounts_between(w.bank, h.bank, Currency.TIME)[0] if across
              else ledger.system_account(w.station_a1, AccountKind.ESCROW))
    hold = ledger.hold_create(debit=ledger.member_account(w.elder), credit=credit, amount=60,
                              kind=TransferKind.REDEMPTION)
    ledger.transfer_post(debit=ledger.system_account(branch, AccountKind.ISSUANCE),
                         credit=ledger.member_account(volunteer), amount=70, kind=TransferKind.GRANT)
    assert ledger.member_account(volunteer).balance == 70
    issued, pool = _issued(), ledger.system_account(branch, AccountKind.POOL).balance
    if across:
        result = clearing.redemption_credit(hold=hold, volunteer=volunteer, minutes=60, points=0, branch=branch)
    else:
        result = ledger.service_credit(volunteer=volunteer, minutes=60, points=0, branch=branch, from_hold=hold)
    assert ledger.member_account(volunteer).balance == 100
    assert ledger.system_account(branch, AccountKind.POOL).balance == pool + 30
    assert ledger.member_account(w.elder).balance == 100 - 60
    assert _issued() == issued
    assert (result["minutes"], result["overflow"]) == (30, 30)
    assert chain.verify().ok


def test_a_volunteer_now_in_the_elders_own_bank_is_refused_the_cross_bank_credit_not_a_500(demand_world, hongkou):
    """The volunteer who served in 虹口 has since moved to 杨浦, the elder's bank (or is of it): the hold is
    not posted across banks, so there is no pair of legs to record; the credit is refused (it waits, as any
    refused credit) instead of a KeyError on the confirmation, and nothing is posted."""
    from timebank.ledger.exceptions import SameBank as Refused
    from timebank.lib.errors import DomainError

    w, h = demand_world, hongkou
    grant_coins(w, w.elder, 100)
    hold = ledger.hold_create(debit=ledger.member_account(w.elder),
                              credit=ledger.clearing_accounts_between(w.bank, h.bank, Currency.TIME)[0], amount=60,
                              kind=TransferKind.REDEMPTION)
    with pytest.raises(DomainError) as refused:
        clearing.redemption_credit(hold=hold, volunteer=w.volunteer, minutes=60, points=0, branch=h.branch)
    assert isinstance(refused.value, Refused)
    hold.refresh_from_db()
    assert hold.status == TransferStatus.PENDING and ledger.member_account(w.volunteer).balance == 0
