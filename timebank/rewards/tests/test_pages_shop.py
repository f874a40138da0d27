"""Points-shop pages: a member orders with a confirmation (once, even when the form is sent twice),
sees the order, staff hand it over or cancel it and export the pick-up list; other branches get 404."""
import uuid

from timebank.ledger.models import Currency
from timebank.ledger.services import member_account
from timebank.rewards.models import OrderStatus, RewardItem, RewardOrder


def test_a_member_sees_the_catalogue_and_orders_once_with_the_same_key(shop_world, client):
    w = shop_world
    client.force_login(w.volunteer)
    page = client.get("/shop/").content.decode()
    assert "毛巾" in page and "肥皂" not in page and "100 积分" in page and "兑换" in page
    confirm = client.get(f"/shop/items/{w.towel.pk}/order/")
    assert confirm.status_code == 200 and 'name="key"' in confirm.content.decode()
    key = uuid.uuid4().hex
    for _ in range(2):
        response = client.post(f"/shop/items/{w.towel.pk}/order/", {"key": key, "step": "confirm"})
        assert response.status_code == 302
    assert RewardOrder.objects.filter(person=w.volunteer).count() == 1
    assert member_account(w.volunteer, Currency.POINTS).available == 70
    assert "毛巾" in client.get("/shop/orders/").content.decode()


def test_too_few_points_is_a_form_error_and_nothing_is_ordered(shop_world, client):
    w = shop_world
    dear = RewardItem.objects.create(bank=w.bank, branch=w.branch_a, name="电饭煲", price_points=500, stock=1)
    client.force_login(w.volunteer)
    response = client.post(f"/shop/items/{dear.pk}/order/", {"key": uuid.uuid4().hex, "step": "confirm"})
    assert response.status_code == 422 and "积分不够" in response.content.decode()
    assert not RewardOrder.objects.exists()
    assert client.get(f"/shop/items/{w.other_item.pk}/order/").status_code == 404


def test_staff_hand_over_cancel_and_export_the_pick_up_list(shop_world, client):
    w = shop_world
    client.force_login(w.volunteer)
    for _ in range(2):
        client.post(f"/shop/items/{w.towel.pk}/order/", {"key": uuid.uuid4().hex, "step": "confirm"})
    first, second = RewardOrder.objects.order_by("id")
    client.force_login(w.branch_admin)
    page = client.get("/shop/pickup/").content.decode()
    assert "李志愿" in page and "毛巾" in page
    csv = b"".join(client.get("/shop/pickup/", {"format": "csv"}).streaming_content).decode()
    assert csv.count("毛巾") == 2
    client.post(f"/shop/orders/{first.pk}/hand-over/")
    client.post(f"/shop/orders/{second.pk}/cancel/")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == OrderStatus.HANDED_OVER and second.status == OrderStatus.CANCELLED
    assert RewardItem.objects.get(pk=w.towel.pk).stock == 2


def test_staff_edit_items_and_other_branch_staff_get_404(shop_world, client):
    w = shop_world
    client.force_login(w.branch_admin)
    response = client.post("/shop/manage/new/", {"branch": w.branch_a.pk, "name": "香皂", "price_points": 5,
                                                 "stock": 10, "is_active": "on"})
    assert response.status_code == 302 and RewardItem.objects.filter(name="香皂", stock=10).exists()
    client.post(f"/shop/manage/{w.towel.pk}/", {"name": "毛巾", "price_points": 40, "stock": 3})
    towel = RewardItem.objects.get(pk=w.towel.pk)
    assert towel.price_points == 40 and not towel.is_active
    client.force_login(w.volunteer)
    order_page = client.get(f"/shop/items/{w.towel.pk}/order/")
    assert order_page.status_code == 404  # no longer on offer
    client.force_login(w.other_branch_admin)
    assert client.get(f"/shop/manage/{w.towel.pk}/").status_code == 404
    assert "毛巾" not in client.get("/shop/pickup/").content.decode()
