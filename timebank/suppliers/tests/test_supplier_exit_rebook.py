"""When a supplier is suspended (or removed, or withdraws), the elders who booked it are not left
waiting: their open orders are cancelled before the time, held coins come back, and the elder and
their proxy are told which suppliers can serve them instead; served or past orders stay as they were."""
import pytest

from timebank.ledger import services as ledger
from timebank.notices.models import Notice, NoticeKind
from timebank.suppliers import services

from .conftest import new_supplier
from .test_orders import book

pytestmark = pytest.mark.django_db


def test_a_suspended_suppliers_elders_are_told_and_offered_another(sw):
    w = sw
    new_supplier(w, "康乐美发", staff_mobile="13700000103")  # the same service where the elder lives
    order = book(w, actor=w.proxy)
    assert ledger.member_account(w.elder).available == 540
    services.supplier_transition(actor=w.bank_admin, supplier=w.supplier, to="suspended", reason="投诉属实")
    assert services.orders_release_for_inactive_suppliers() == 1
    assert services.orders_release_for_inactive_suppliers() == 0  # once
    order.refresh_from_db()
    assert order.status == "cancelled" and order.hold.status == "voided"
    account = ledger.member_account(w.elder)
    assert (account.balance, account.available) == (600, 600)
    told = Notice.objects.filter(kind=NoticeKind.CANCELLED, subject_type="supplier_order", subject_id=order.pk)
    assert set(told.values_list("person", flat=True)) == {w.elder.pk, w.proxy.pk}
    text = told.first().text
    assert "美发之家" in text and "康乐美发" in text


def test_an_active_suppliers_orders_are_left_alone(sw):
    w = sw
    order = book(w)
    assert services.orders_release_for_inactive_suppliers() == 0
    order.refresh_from_db()
    assert order.status == "booked"
