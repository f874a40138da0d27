"""The points-shop API: catalogue, ordering with Idempotency-Key, scoping and errors."""
from timebank.rewards.models import RewardOrder


def test_it_orders_once_per_idempotency_key(api_client, shop_world):
    w = shop_world
    api_client.login_as(w.volunteer)
    items = api_client.get("/api/v1/rewards").json()["items"]
    assert [i["name"] for i in items] == ["毛巾"]
    first = api_client.post(f"/api/v1/rewards/{w.towel.pk}/order", HTTP_IDEMPOTENCY_KEY="k1")
    again = api_client.post(f"/api/v1/rewards/{w.towel.pk}/order", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and RewardOrder.objects.count() == 1


def test_other_branch_items_are_not_found_and_errors_have_codes(api_client, shop_world):
    w = shop_world
    api_client.login_as(w.volunteer)
    response = api_client.post(f"/api/v1/rewards/{w.other_item.pk}/order")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    api_client.login_as(w.other_branch_admin)
    assert w.towel.pk not in [i["id"] for i in api_client.get("/api/v1/rewards").json()["items"]]
    api_client.login_as(w.branch_admin)
    response = api_client.post(f"/api/v1/rewards/{w.towel.pk}/order")
    assert response.status_code == 409 and response.json()["code"] == "insufficient_points"


def test_an_order_is_cancelled_by_its_member_or_handed_over_by_the_branch(api_client, shop_world):
    from timebank.ledger import services as ledger
    from timebank.ledger.models import Currency

    w = shop_world
    api_client.login_as(w.volunteer)
    first = api_client.post(f"/api/v1/rewards/{w.towel.pk}/order").json()
    cancelled = api_client.post(f"/api/v1/reward-orders/{first['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert ledger.member_account(w.volunteer, Currency.POINTS).available == 100
    again = api_client.post(f"/api/v1/reward-orders/{first['id']}/cancel")
    assert again.status_code == 409
    second = api_client.post(f"/api/v1/rewards/{w.towel.pk}/order").json()
    assert api_client.post(f"/api/v1/reward-orders/{second['id']}/hand-over").status_code == 404  # not staff
    api_client.login_as(w.other_branch_admin)
    assert api_client.post(f"/api/v1/reward-orders/{second['id']}/hand-over").status_code == 404
    api_client.login_as(w.branch_admin)
    handed = api_client.post(f"/api/v1/reward-orders/{second['id']}/hand-over")
    assert handed.status_code == 200 and handed.json()["status"] == "handed_over"
    assert ledger.member_account(w.volunteer, Currency.POINTS).balance == 70


def test_the_branch_admin_keeps_the_catalogue(api_client, shop_world):
    w = shop_world
    api_client.login_as(w.branch_admin)
    made = api_client.post("/api/v1/rewards", {"branch_id": w.branch_a.pk, "name": "老花镜", "price_points": 50,
                                               "stock": 10, "is_active": False}, content_type="application/json")
    assert made.status_code == 201 and made.json()["is_active"] is False
    changed = api_client.patch(f"/api/v1/rewards/{made.json()['id']}", {"price_points": 40, "is_active": True},
                               content_type="application/json")
    assert changed.status_code == 200 and (changed.json()["price_points"], changed.json()["is_active"]) == (40, True)
    assert changed.json()["name"] == "老花镜" and changed.json()["stock"] == 10
    api_client.login_as(w.other_branch_admin)
    assert api_client.patch(f"/api/v1/rewards/{made.json()['id']}", {"stock": 0},
                            content_type="application/json").status_code == 404
    assert api_client.post("/api/v1/rewards", {"branch_id": w.branch_a.pk, "name": "x", "price_points": 1, "stock": 1},
                           content_type="application/json").status_code == 404
