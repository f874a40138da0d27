import pytest

from timebank.ledger import services as ledger
from timebank.ledger.models import Transfer
from timebank.lib.errors import NotFound
from timebank.suppliers import services
from timebank.suppliers.exceptions import (
    AreaNotServed,
    InvalidTransition,
    OfferMissing,
    RatingInvalid,
    SupplierNotServing,
)
from timebank.suppliers.models import SupplierOrder

from .conftest import tomorrow_at


def book(w, payment="coins", actor=None, **kw):
    return services.order_book(actor=actor or w.station_staff, supplier=kw.pop("supplier", w.supplier),
                               service_type=kw.pop("service_type", w.haircut), elder=kw.pop("elder", w.elder),
                               starts_at=tomorrow_at(10), payment=payment, **kw)


def test_a_coin_order_holds_at_booking_and_posts_on_confirm(sw):
    w = sw
    account = ledger.member_account(w.elder)
    order = book(w, actor=w.proxy)
    account.refresh_from_db()
    assert order.coin_minutes == 60  # 30 minutes at the haircut's 200 % rate
    assert (account.balance, account.available) == (600, 540)
    services.order_accept(actor=w.supplier_staff, order=order)
    services.order_done(actor=w.supplier_staff, order=order)
    services.order_confirm(actor=w.proxy, order=order, rating=5, comment="很好")
    account.refresh_from_db()
    assert (account.balance, account.available) == (540, 540)
    order.refresh_from_db()
    assert order.status == "confirmed" and order.rating == 5
    assert Transfer.objects.filter(hold_id=order.hold_id, status="posted").count() == 1


def test_cancelling_a_coin_order_releases_the_hold(sw):
    w = sw
    order = book(w)
    services.order_cancel(actor=w.station_staff, order=order)
    account = ledger.member_account(w.elder)
    assert (account.balance, account.available) == (600, 600)
    order.hold.refresh_from_db()
    assert order.hold.status == "voided"


def test_a_declined_order_releases_the_hold_and_a_subsidy_order_moves_no_coins(sw):
    w = sw
    order = book(w)
    services.order_decline(actor=w.supplier_staff, order=order, reason="没空")
    assert ledger.member_account(w.elder).available == 600
    subsidy = book(w, payment="subsidy")
    assert subsidy.hold_id is None and subsidy.coin_minutes == 0
    services.order_accept(actor=w.supplier_staff, order=subsidy)
    services.order_done(actor=w.supplier_staff, order=subsidy)
    services.order_confirm(actor=w.station_staff, order=subsidy, rating=4)
    assert ledger.member_account(w.elder).balance == 600


def test_booking_above_the_elders_coins_changes_nothing(sw):
    w = sw
    from timebank.ledger.exceptions import InsufficientBalance

    w.elder.pk and ledger.member_account(w.elder)
    for _ in range(10):
        book(w)
    count = SupplierOrder.objects.count()
    with pytest.raises(InsufficientBalance):
        book(w)
    assert SupplierOrder.objects.count() == count


def test_bad_bookings_are_refused_with_clear_codes(sw):
    w = sw
    with pytest.raises(OfferMissing):
        book(w, service_type=w.cleaning)
    with pytest.raises(AreaNotServed):
        book(w, supplier=w.other_supplier)
    services.supplier_transition(actor=w.bank_admin, supplier=w.supplier, to="removed", reason="退出")
    with pytest.raises(SupplierNotServing):
        book(w)
    assert SupplierOrder.objects.count() == 0
    with pytest.raises(NotFound):  # a stranger cannot book for the elder
        book(w, actor=w.volunteer)


def test_a_supplier_cannot_act_on_another_suppliers_order(sw):
    w = sw
    order = book(w)
    with pytest.raises(NotFound):
        services.order_accept(actor=w.other_supplier_staff, order=order)
    services.order_accept(actor=w.supplier_staff, order=order)
    with pytest.raises(InvalidTransition):
        services.order_accept(actor=w.supplier_staff, order=order)
    services.order_done(actor=w.supplier_staff, order=order)
    with pytest.raises(RatingInvalid):
        services.order_confirm(actor=w.proxy, order=order, rating=6)
