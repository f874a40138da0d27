"""跨区兑换 with real threads on PostgreSQL: confirmations and claims racing on a service booked in another
bank never credit twice, never overdraw the elder, and never deadlock with gifts the other way."""
import datetime as dt

from django.utils import timezone

from timebank.clearing import services as clearing
from timebank.clearing.models import CrossBankKind, CrossBankTransfer
from timebank.conftest import make_person, run_threads
from timebank.demands import services
from timebank.demands.models import Assignment, AssignmentStatus, Demand
from timebank.ledger import chain
from timebank.ledger import services as ledger
from timebank.ledger.exceptions import InsufficientBalance
from timebank.ledger.models import Account, AccountKind, TransferKind
from timebank.orgs.services import bank_rules_set

from .conftest import HERE, NEAR, grant_coins, tomorrow_at
from .test_redeem_across_banks import hongkou  # noqa: F401  (the second bank's fixture)


def _book(w, h, *, headcount=1, days=1, station=None, service_type=None):
    starts_at = tomorrow_at(9, days=days)
    return services.demand_create(actor=w.proxy, station=station or h.station, service_type=service_type or h.chat,
                                  starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1), elder=w.elder,
                                  headcount=headcount, payer="elder", latitude=HERE[0], longitude=HERE[1],
                                  publish=True)


def _volunteers(h, n):
    return [make_person(h.station, f"虹口志愿者{i}", mobile=f"136{i:08d}", birth=dt.date(1965, 1, 1) + dt.timedelta(days=i),
                        is_volunteer=True, volunteer_status="approved") for i in range(n)]


def _clearing_sum():
    return sum(a.balance for a in Account.objects.filter(kind=AccountKind.CLEARING))


def test_confirmations_racing_on_five_places_credit_each_once_while_gifts_go_the_other_way(
        postgres_only, demand_world, hongkou):  # noqa: F811
    w, h = demand_world, hongkou
    grant_coins(w, w.elder, 600)
    bank_rules_set(actor=w.bank_admin, bank=w.bank, gift_recipients="any")
    bank_rules_set(actor=h.bank_admin, bank=h.bank, gift_recipients="any")
    ledger.transfer_post(debit=ledger.system_account(h.branch, AccountKind.ISSUANCE),
                         credit=ledger.member_account(h.staff), amount=500, kind=TransferKind.GRANT)
    demand = _book(w, h, headcount=5)
    volunteers = _volunteers(h, 5)
    assignments = [services.demand_claim(actor=v, demand=demand) for v in volunteers]
    past = timezone.now() - dt.timedelta(days=1)
    Demand.objects.filter(pk=demand.pk).update(starts_at=past, ends_at=past + dt.timedelta(hours=1))
    Assignment.objects.filter(pk__in=[a.pk for a in assignments]).update(
        status=AssignmentStatus.DONE, starts_at=past, ends_at=past + dt.timedelta(hours=1), check_in_at=past,
        check_out_at=past + dt.timedelta(hours=1), served_minutes=60, check_in_latitude=NEAR[0])
    confirmers = [w.elder, w.proxy, h.staff]

    def work(i):
        if i % 6 == 5:  # 虹口's staff member gives to 杨浦 at the same time: the clearing pair the other way
            return clearing.cross_bank_gift(actor=h.staff, sender=h.staff, recipient=w.volunteer, amount=10).pk
        return services.assignment_confirm(actor=confirmers[i % 3], assignment=assignments[i % 5], rating=5).status

    results = run_threads(30, work)
    errors = [r for r in results if isinstance(r, Exception)]
    assert {e.code for e in errors} <= {"invalid_transition"}
    assert results.count(AssignmentStatus.CREDITED) == 5
    assert all(a.status == AssignmentStatus.CREDITED for a in Assignment.objects.filter(demand=demand))
    assert CrossBankTransfer.objects.filter(kind=CrossBankKind.REDEEM).count() == 5
    assert [ledger.member_account(v).balance for v in volunteers] == [60] * 5
    elder = ledger.member_account(w.elder)
    assert (elder.balance, elder.available) == (300, 300)
    gifts = [r for r in results if isinstance(r, int)]
    assert len(gifts) == 5 and ledger.member_account(w.volunteer).balance == 50
    assert _clearing_sum() == 0
    assert chain.verify().ok


def test_an_elder_booking_here_and_in_another_bank_at_once_never_overdraws(postgres_only, demand_world,
                                                                           hongkou):  # noqa: F811
    w, h = demand_world, hongkou
    grant_coins(w, w.elder, 200)  # three hours

    def book(i):
        if i % 2:
            return _book(w, h, days=1 + i).pk
        return _book(w, h, days=1 + i, station=w.station_a1, service_type=w.chat).pk

    results = run_threads(12, book)
    booked = [r for r in results if isinstance(r, int)]
    assert len(booked) == 3
    assert all(isinstance(r, InsufficientBalance) for r in results if not isinstance(r, int))
    elder = ledger.member_account(w.elder)
    assert (elder.balance, elder.available) == (200, 20)
    assert _clearing_sum() == 0
    assert chain.verify().ok


def test_thirty_volunteers_racing_for_two_places_in_another_bank_get_two(postgres_only, demand_world,
                                                                         hongkou):  # noqa: F811
    w, h = demand_world, hongkou
    grant_coins(w, w.elder, 120)
    demand = _book(w, h, headcount=2)
    volunteers = _volunteers(h, 30)
    results = run_threads(30, lambda i: services.demand_claim(actor=volunteers[i], demand=demand).pk)
    assert len([r for r in results if not isinstance(r, Exception)]) == 2
    assert {r.code for r in results if isinstance(r, Exception)} == {"demand_full"}
    assert ledger.member_account(w.elder).available == 0
