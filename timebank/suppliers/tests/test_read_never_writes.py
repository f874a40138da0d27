"""The auditor reads every supplier order and service record in the bank (suppliers.view,
demands.view) and changes none of them: confirming an order (which posts the elder's held coins),
cancelling one (which releases them) are refused, and nothing moves (complaints: the complaints
app's test_read_never_writes)."""

from timebank.ledger import services as ledger
from timebank.ledger.models import TransferStatus
from timebank.suppliers import services
from timebank.suppliers.models import SupplierOrder

from .conftest import tomorrow_at


def done_coin_order(w) -> SupplierOrder:
    """A haircut the elder pays in coins (held at booking), done by the supplier, waiting for confirmation."""
    order = services.order_book(actor=w.proxy, supplier=w.supplier, service_type=w.haircut, elder=w.elder,
                                starts_at=tomorrow_at(10), payment="coins")
    services.order_accept(actor=w.supplier_staff, order=order)
    return services.order_done(actor=w.supplier_staff, order=order)


def coins(w) -> tuple[int, int]:
    account = ledger.member_account(w.elder)
    return account.balance, account.available


def test_the_auditor_cannot_confirm_an_order_and_no_coins_move(sw, api_client):
    w = sw
    order = done_coin_order(w)
    before = coins(w)
    auditor = api_client.login_as(w.auditor)
    assert auditor.get("/api/v1/supplier-orders").json()["items"][0]["id"] == order.pk  # the auditor does read it
    response = auditor.post(f"/api/v1/supplier-orders/{order.pk}/confirm", {"rating": 5},
                            content_type="application/json", HTTP_IDEMPOTENCY_KEY="audit-1")
    assert response.status_code == 403, response.content
    order.refresh_from_db()
    order.hold.refresh_from_db()
    assert order.status == "done" and order.confirmed_by is None and order.rating is None
    assert order.hold.status == TransferStatus.PENDING
    assert coins(w) == before == (600, 540)


def test_the_auditor_cannot_confirm_an_order_on_the_page_either(sw, client):
    w = sw
    order = done_coin_order(w)
    client.force_login(w.auditor)
    response = client.post(f"/suppliers/orders/{order.pk}/confirm/", {"rating": 5})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == "done" and coins(w) == (600, 540)


def test_the_auditor_cannot_cancel_an_order_and_the_hold_stays(sw, client):
    w = sw
    order = services.order_book(actor=w.proxy, supplier=w.supplier, service_type=w.haircut, elder=w.elder,
                                starts_at=tomorrow_at(10), payment="coins")
    client.force_login(w.auditor)
    response = client.post(f"/suppliers/orders/{order.pk}/cancel/")
    assert response.status_code == 403
    order.refresh_from_db()
    order.hold.refresh_from_db()
    assert order.status == "booked" and order.hold.status == TransferStatus.PENDING
    assert coins(w) == (600, 540)


def test_station_staff_still_confirm_on_the_elders_behalf(sw, api_client):
    w = sw
    order = done_coin_order(w)
    staff = api_client.login_as(w.station_staff)
    response = staff.post(f"/api/v1/supplier-orders/{order.pk}/confirm", {"rating": 4},
                          content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "confirmed"
    assert coins(w) == (540, 540)
