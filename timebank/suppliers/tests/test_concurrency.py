"""On PostgreSQL with real threads: coins held by concurrent bookings never exceed the elder's
balance, and a booked order is accepted once however many of the supplier's staff press at once."""
from timebank.conftest import make_person, run_threads
from timebank.ledger import services as ledger
from timebank.suppliers import services
from timebank.suppliers.models import SupplierOrder

from .conftest import tomorrow_at


def test_concurrent_coin_bookings_hold_no_more_than_the_elder_has(postgres_only, sw):
    w = sw  # 600 minutes; a haircut holds 60

    def book(i):
        return services.order_book(actor=w.station_staff, supplier=w.supplier, service_type=w.haircut, elder=w.elder,
                                   starts_at=tomorrow_at(8 + i % 10, days=1 + i // 10), payment="coins")

    results = run_threads(14, book)
    booked = [r for r in results if isinstance(r, SupplierOrder)]
    assert len(booked) == 10
    assert {r.code for r in results if not isinstance(r, SupplierOrder)} == {"insufficient_balance"}
    account = ledger.member_account(w.elder)
    assert (account.balance, account.available) == (600, 0)
    assert SupplierOrder.objects.count() == 10


def test_an_order_is_accepted_once_when_the_suppliers_staff_press_together(postgres_only, sw):
    w = sw
    staff = [w.supplier_staff] + [make_person(w.station_a1, f"员工{i}", mobile=f"1370000030{i}") for i in range(5)]
    for person in staff[1:]:
        services.supplier_member_add(actor=w.bank_admin, supplier=w.supplier, person=person)
    order = services.order_book(actor=w.proxy, supplier=w.supplier, service_type=w.haircut, elder=w.elder,
                                starts_at=tomorrow_at(10), payment="cash")
    results = run_threads(6, lambda i: services.order_accept(actor=staff[i], order=order))
    assert len([r for r in results if isinstance(r, SupplierOrder)]) == 1
    assert {r.code for r in results if not isinstance(r, SupplierOrder)} == {"invalid_transition"}
    order.refresh_from_db()
    assert order.status == "accepted"
