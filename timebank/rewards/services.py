"""Every write of the points shop. An order locks the item row (so stock never goes below zero),
then holds the member's points through the ledger; handing over posts the hold to the branch's
rewards account, cancelling voids it and puts the item back."""
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from timebank.audit.services import audit_record
from timebank.ledger import services as ledger
from timebank.ledger.exceptions import InsufficientBalance
from timebank.ledger.models import AccountKind, Currency, TransferKind
from timebank.lib.errors import NotFound
from timebank.orgs.models import Node, NodeKind
from timebank.people.models import Person

from . import selectors
from .exceptions import ItemInvalid, ItemUnavailable, NotEnoughPoints, OrderNotHeld, OutOfStock
from .models import OrderStatus, RewardItem, RewardOrder


def _check_item(name: str, price_points, stock) -> None:
    if (not (name or "").strip() or isinstance(price_points, bool) or not isinstance(price_points, int)
            or not 1 <= price_points <= 10**7 or isinstance(stock, bool) or not isinstance(stock, int)
            or not 0 <= stock <= 10**6):
        raise ItemInvalid()


def item_create(*, actor: Person, branch: Node, name: str, price_points: int, stock: int,
                description: str = "") -> RewardItem:
    if branch.kind != NodeKind.BRANCH or not selectors.may_manage(actor, branch):
        raise NotFound()
    _check_item(name, price_points, stock)
    with transaction.atomic():
        item = RewardItem.objects.create(bank_id=branch.bank_id, branch=branch, name=name.strip()[:80],
                                         description=(description or "").strip()[:300], price_points=price_points,
                                         stock=stock, created_by=actor)
        audit_record(actor=actor, action="rewards.item_created", obj=item, node=branch, bank=branch.bank,
                     changes={"name": item.name, "price_points": price_points, "stock": stock})
    return item


def item_update(*, actor: Person, item: RewardItem, name: str, price_points: int, stock: int, is_active: bool,
                description: str = "") -> RewardItem:
    _check_item(name, price_points, stock)
    with transaction.atomic():
        item = RewardItem.objects.select_for_update().select_related("branch").filter(pk=item.pk).first()
        if item is None or not selectors.may_manage(actor, item.branch):
            raise NotFound()
        before = {"name": item.name, "price_points": item.price_points, "stock": item.stock, "is_active": item.is_active}
        item.name, item.price_points, item.stock, item.is_active = name.strip()[:80], price_points, stock, is_active
        item.description = (description or "").strip()[:300]
        item.save(update_fields=["name", "price_points", "stock", "is_active", "description"])
        after = {"name": item.name, "price_points": price_points, "stock": stock, "is_active": is_active}
        audit_record(actor=actor, action="rewards.item_changed", obj=item, node=item.branch, bank=item.branch.bank,
                     changes={k: [before[k], after[k]] for k in after if before[k] != after[k]})
    return item


def order_place(*, actor: Person, item: RewardItem) -> RewardOrder:
    """积分兑换: a member orders one item of their branch's catalogue."""
    with transaction.atomic():
        # Lock order: the item row, then (inside hold_create) the ledger accounts by ascending id.
        item = RewardItem.objects.select_for_update(of=("self",)).select_related("branch").filter(pk=item.pk).first()
        if item is None or item.branch_id != selectors.home_branch_id(actor):
            raise NotFound()
        if not item.is_active:
            raise ItemUnavailable()
        if item.stock <= 0:
            raise OutOfStock()
        account = ledger.member_account(actor, Currency.POINTS)
        try:
            hold = ledger.hold_create(debit=account, credit=ledger.system_account(item.branch, AccountKind.REWARDS,
                                                                                  Currency.POINTS),
                                      amount=item.price_points, kind=TransferKind.POINTS_SPEND, actor=actor,
                                      memo=item.name, subject=("rewards.item", item.pk))
        except InsufficientBalance as err:
            raise NotEnoughPoints(detail=err.detail) from None
        RewardItem.objects.filter(pk=item.pk).update(stock=F("stock") - 1)
        order = RewardOrder.objects.create(bank_id=item.bank_id, branch=item.branch, item=item, person=actor,
                                           points=item.price_points, hold=hold, created_by=actor)
        audit_record(actor=actor, action="rewards.ordered", obj=order, node=item.branch, bank=item.branch.bank,
                     changes={"item": item.pk, "points": item.price_points})
    return order


def _lock_order(actor, order: RewardOrder, *, staff: bool) -> RewardOrder:
    order = (RewardOrder.objects.select_for_update(of=("self",)).select_related("branch", "hold", "item", "person")
             .filter(pk=order.pk).first())
    if order is None:
        raise NotFound()
    if staff and not selectors.may_manage(actor, order.branch):
        raise NotFound()
    if not staff and order.person_id != actor.pk and not selectors.may_manage(actor, order.branch):
        raise NotFound()
    if order.status != OrderStatus.HELD:
        raise OrderNotHeld()
    return order


def order_hand_over(*, actor: Person, order: RewardOrder) -> RewardOrder:
    """Staff give the item to the member: the held points are posted to the branch's rewards account."""
    with transaction.atomic():
        order = _lock_order(actor, order, staff=True)
        order.posting = ledger.hold_post(hold=order.hold, actor=actor)
        order.status, order.decided_at, order.decided_by = OrderStatus.HANDED_OVER, timezone.now(), actor
        order.save(update_fields=["posting", "status", "decided_at", "decided_by"])
        audit_record(actor=actor, action="rewards.handed_over", obj=order, node=order.branch, bank=order.branch.bank)
    return order


def order_cancel(*, actor: Person, order: RewardOrder) -> RewardOrder:
    """Staff, or the member before pick-up, cancel: the points are released and the item goes back."""
    with transaction.atomic():
        # Item before order would be the order of `order_place`; cancelling touches the item after the
        # order row, but no writer locks an order and then waits on another order, so no cycle forms.
        order = _lock_order(actor, order, staff=False)
        ledger.hold_void(hold=order.hold, actor=actor)
        RewardItem.objects.filter(pk=order.item_id).update(stock=F("stock") + 1)
        order.status, order.decided_at, order.decided_by = OrderStatus.CANCELLED, timezone.now(), actor
        order.save(update_fields=["status", "decided_at", "decided_by"])
        audit_record(actor=actor, action="rewards.cancelled", obj=order, node=order.branch, bank=order.branch.bank)
    return order
