"""Ordering from the points shop holds points; hand-over posts them, cancelling releases them."""
import datetime as dt

import pytest

from timebank.conftest import make_person
from timebank.ledger.models import AccountKind, Currency, Transfer, TransferStatus
from timebank.ledger.services import member_account, system_account
from timebank.lib.errors import DomainError, NotFound
from timebank.rewards import selectors, services
from timebank.rewards.models import OrderStatus, RewardItem, RewardOrder

from .conftest import give_points


def points(person):
    account = member_account(person, Currency.POINTS)
    account.refresh_from_db()
    return account


def test_an_order_holds_the_points_and_hand_over_posts_them(shop_world):
    w = shop_world
    order = services.order_place(actor=w.volunteer, item=w.towel)
    assert points(w.volunteer).available == 70 and points(w.volunteer).balance == 100
    assert RewardItem.objects.get(pk=w.towel.pk).stock == 2
    assert order in selectors.pickup_list(w.branch_admin)
    services.order_hand_over(actor=w.branch_admin, order=order)
    assert points(w.volunteer).balance == 70
    assert system_account(w.branch_a, AccountKind.REWARDS, Currency.POINTS).balance == 30


def test_cancelling_releases_the_points_and_restocks(shop_world):
    w = shop_world
    order = services.order_place(actor=w.volunteer, item=w.towel)
    services.order_cancel(actor=w.volunteer, order=order)
    assert points(w.volunteer).available == 100
    assert RewardItem.objects.get(pk=w.towel.pk).stock == 3
    assert Transfer.objects.get(pk=order.hold_id).status == TransferStatus.VOIDED
    with pytest.raises(DomainError) as err:
        services.order_hand_over(actor=w.branch_admin, order=order)
    assert err.value.code == "order_not_waiting"


def test_too_few_points_is_refused_and_nothing_changes(shop_world):
    w = shop_world
    poor = make_person(w.station_a1, "少积分", mobile="13800000061", is_volunteer=True, volunteer_status="approved")
    give_points(poor, w.branch_a, 10)
    with pytest.raises(DomainError) as err:
        services.order_place(actor=poor, item=w.towel)
    assert err.value.code == "insufficient_points"
    assert RewardItem.objects.get(pk=w.towel.pk).stock == 3 and not RewardOrder.objects.exists()


def test_out_of_stock_is_refused(shop_world):
    w = shop_world
    RewardItem.objects.filter(pk=w.towel.pk).update(stock=0)
    with pytest.raises(DomainError) as err:
        services.order_place(actor=w.volunteer, item=w.towel)
    assert err.value.code == "out_of_stock"
    assert points(w.volunteer).available == 100 and not RewardOrder.objects.exists()


def test_another_branch_is_out_of_reach(shop_world):
    w = shop_world
    order = services.order_place(actor=w.volunteer, item=w.towel)
    with pytest.raises(NotFound):
        selectors.item_get(w.other_branch_admin, w.towel.pk)
    with pytest.raises(NotFound):
        services.order_hand_over(actor=w.other_branch_admin, order=order)
    with pytest.raises(NotFound):
        services.order_place(actor=w.volunteer, item=w.other_item)
    assert order not in selectors.pickup_list(w.other_branch_admin)
    assert RewardOrder.objects.get(pk=order.pk).status == OrderStatus.HELD


def test_fifty_concurrent_orders_for_three_in_stock_make_exactly_three(postgres_only, shop_world):
    from timebank.conftest import run_threads

    w = shop_world
    buyers = [make_person(w.station_a1 if i % 2 else w.station_a2, f"买家{i}", mobile=f"135{i:08d}",
                          birth=dt.date(1960, 1, 1) + dt.timedelta(days=i), is_volunteer=True,
                          volunteer_status="approved") for i in range(50)]
    for buyer in buyers:
        give_points(buyer, w.branch_a, 30)
    results = run_threads(50, lambda i: services.order_place(actor=buyers[i], item=w.towel).pk)
    made = [r for r in results if isinstance(r, int)]
    assert len(made) == 3
    assert {r.code for r in results if isinstance(r, DomainError)} == {"out_of_stock"}
    assert RewardItem.objects.get(pk=w.towel.pk).stock == 0
    assert RewardOrder.objects.count() == 3
    held = Transfer.objects.filter(status=TransferStatus.PENDING, kind="points_spend")
    assert held.count() == 3 and sum(t.amount for t in held) == 90
    assert system_account(w.branch_a, AccountKind.REWARDS, Currency.POINTS).pending_credits == 90
    assert sum(points(b).pending for b in buyers) == 90
