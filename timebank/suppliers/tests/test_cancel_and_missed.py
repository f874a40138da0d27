"""A request a supplier took cannot be cancelled behind the supplier's back; cancelling the
guaranteed order returns the elder's coins and voids the fund's line; an order nobody served in
time is marked missed by the worker — coins back, the supplier's score down, once."""
import pytest

from timebank.conftest import run_threads
from timebank.demands import services as demands
from timebank.demands.exceptions import TakenBySupplier
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, Transfer, TransferKind
from timebank.suppliers import selectors, services
from timebank.suppliers.exceptions import InvalidTransition
from timebank.suppliers.models import GuaranteeOffer, ScoreEvent, SettlementLine

from .conftest import tomorrow_at
from .test_guarantee import coin_demand


def take(w, supplier=None):
    """An elder-paid request offered to suppliers and taken by the first (美发之家, 30 yuan)."""
    supplier = supplier or w.supplier
    demand = coin_demand(w)
    services.guarantee_offers_make()
    offer = GuaranteeOffer.objects.get(demand=demand, supplier=supplier)
    return demand, services.guarantee_accept(actor=supplier.staff, offer=offer)


def balances(w):
    elder = ledger.member_account(w.elder)
    issuance = ledger.system_account(w.branch_a, AccountKind.ISSUANCE)
    return elder.balance, elder.available, issuance.balance


def test_the_request_a_supplier_took_cannot_be_cancelled_and_nothing_changes(sw, api_client, client):
    w = sw
    demand, order = take(w)
    before = balances(w)
    assert before[:2] == (540, 540)
    with pytest.raises(TakenBySupplier):
        demands.demand_cancel(actor=w.station_staff, demand=demand)
    response = api_client.login_as(w.proxy).post(f"/api/v1/demands/{demand.pk}/cancel", {},
                                                  content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "taken_by_supplier"
    client.force_login(w.station_staff)
    assert client.post(f"/demands/{demand.pk}/cancel/", {"reason": "x"}).status_code in (200, 302)
    demand.refresh_from_db()
    order.refresh_from_db()
    assert demand.status == "claimed" and order.status == "accepted"
    assert balances(w) == before
    assert selectors.guarantee_fund_exposure(w.bank) == 3000


def test_cancelling_the_guaranteed_order_refunds_the_elder_and_voids_the_fund_line(sw):
    w = sw
    start = balances(w)
    demand, order = take(w)
    assert balances(w)[0] == start[0] - 60
    services.order_cancel(actor=w.proxy, order=order, reason="身体不适")
    assert balances(w) == start
    demand.refresh_from_db()
    order.refresh_from_db()
    assert demand.status == "cancelled" and demand.claimed_count == 0 and order.status == "cancelled"
    refund = Transfer.objects.get(kind=TransferKind.CORRECTION, corrects__isnull=False)
    assert refund.amount == 60 and refund.credit.owner_id == w.elder.pk
    line = SettlementLine.objects.get(order=order)
    assert line.voided_at is not None and line.paid_at is None
    assert selectors.guarantee_fund_exposure(w.bank) == 0
    report = selectors.settlement(w.bank_admin, w.supplier, line.month)
    assert report["total_fen"] == 0 and len(report["lines"]) == 1
    assert services.settlement_mark_paid(actor=w.bank_admin, supplier=w.supplier, month=line.month) == 0
    with pytest.raises(InvalidTransition):
        services.order_cancel(actor=w.proxy, order=order)
    assert balances(w) == start


def test_a_guaranteed_order_already_paid_to_the_supplier_cannot_be_cancelled(sw):
    w = sw
    _demand, order = take(w)
    line = SettlementLine.objects.get(order=order)
    services.settlement_mark_paid(actor=w.bank_admin, supplier=w.supplier, month=line.month)
    before = balances(w)
    with pytest.raises(InvalidTransition) as err:
        services.order_cancel(actor=w.station_staff, order=order)
    assert err.value.code == "settlement_paid"
    assert balances(w) == before


def test_orders_not_served_in_time_are_missed_once_with_coins_back(sw, clock):
    w = sw
    start = balances(w)
    booked = services.order_book(actor=w.proxy, supplier=w.supplier, service_type=w.haircut, elder=w.elder,
                                 starts_at=tomorrow_at(10), payment="coins")
    done = services.order_book(actor=w.proxy, supplier=w.supplier, service_type=w.haircut, elder=w.elder,
                               starts_at=tomorrow_at(11), payment="cash")
    services.order_accept(actor=w.supplier_staff, order=done)
    services.order_done(actor=w.supplier_staff, order=done)
    demand, guaranteed = take(w)
    assert balances(w)[:2] == (start[0] - 60, start[1] - 120)
    assert services.orders_mark_missed() == 0  # not yet due
    clock.advance(days=5)
    assert services.orders_mark_missed() == 2
    assert services.orders_mark_missed() == 0
    for order in (booked, guaranteed):
        order.refresh_from_db()
        assert order.status == "missed" and order.missed_at is not None
    done.refresh_from_db()
    demand.refresh_from_db()
    assert done.status == "done" and demand.status == "expired"
    assert balances(w) == start
    assert SettlementLine.objects.get(order=guaranteed).voided_at is not None
    assert ScoreEvent.objects.filter(reason="missed").count() == 2
    assert selectors.current_score(w.supplier) == 100 - 10 - 10


def test_a_late_order_costs_the_banks_late_value(sw, clock):
    w = sw
    order = services.order_book(actor=w.proxy, supplier=w.supplier, service_type=w.haircut, elder=w.elder,
                                starts_at=tomorrow_at(10), payment="cash")
    services.order_accept(actor=w.supplier_staff, order=order)
    clock.advance(days=2, hours=12)
    services.order_done(actor=w.supplier_staff, order=order)
    services.order_confirm(actor=w.proxy, order=order)
    assert selectors.current_score(w.supplier) == 100 - 3


def test_many_cancelling_one_guaranteed_order_at_once_refund_once(postgres_only, sw):
    w = sw
    start = balances(w)
    _demand, order = take(w)
    results = run_threads(8, lambda i: services.order_cancel(actor=w.proxy if i % 2 else w.station_staff,
                                                             order=order))
    assert len([r for r in results if not isinstance(r, Exception)]) == 1
    assert all(getattr(r, "code", None) == "invalid_transition" for r in results if isinstance(r, Exception))
    assert balances(w) == start
    assert Transfer.objects.filter(kind=TransferKind.CORRECTION).count() == 1


def test_an_order_left_unconfirmed_confirms_itself_after_the_banks_days(sw, clock):
    w = sw
    order = services.order_book(actor=w.proxy, supplier=w.supplier, service_type=w.haircut, elder=w.elder,
                                starts_at=tomorrow_at(10), payment="coins")
    services.order_accept(actor=w.supplier_staff, order=order)
    services.order_done(actor=w.supplier_staff, order=order)
    clock.advance(days=2)
    assert services.orders_auto_confirm() == 0
    clock.advance(days=2)
    assert services.orders_auto_confirm() == 1
    assert services.orders_auto_confirm() == 0
    order.refresh_from_db()
    assert order.status == "confirmed" and order.confirmed_by is None and order.rating is None
    assert balances(w)[:2] == (540, 540)
