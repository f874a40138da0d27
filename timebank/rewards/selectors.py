"""Reads of the points shop, scoped: members see their branch's catalogue and their own orders;
staff see the branches in their reach."""
from django.db.models import Q, QuerySet

from timebank.lib.errors import NotFound
from timebank.orgs.models import NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, scope_q

from .models import OrderStatus, RewardItem, RewardOrder

MANAGE = Perm.LEDGER_GRANT  # branch admins run the shop: points are the branch's budget


def home_branch_id(person) -> int | None:
    node = getattr(person, "node", None)
    if node is None:
        return None
    if node.kind == NodeKind.STATION:
        return node.parent_id
    return node.pk if node.kind == NodeKind.BRANCH else None


def may_manage(actor, branch) -> bool:
    return has_perm(actor, MANAGE, branch)


def items_visible_to(actor) -> QuerySet[RewardItem]:
    q = scope_q(actor, MANAGE, "branch__path")
    branch_id = home_branch_id(actor)
    if branch_id:
        q |= Q(branch_id=branch_id, is_active=True)
    return RewardItem.objects.filter(q).select_related("branch")


def item_get(actor, item_id) -> RewardItem:
    try:
        return items_visible_to(actor).get(pk=int(item_id))
    except (RewardItem.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def orders_of(person) -> QuerySet[RewardOrder]:
    return RewardOrder.objects.filter(person=person).select_related("item", "branch")


def orders_visible_to(actor) -> QuerySet[RewardOrder]:
    return RewardOrder.objects.filter(scope_q(actor, MANAGE, "branch__path") | Q(person=actor)).select_related(
        "item", "person", "branch")


def order_get(actor, order_id) -> RewardOrder:
    try:
        return orders_visible_to(actor).get(pk=int(order_id))
    except (RewardOrder.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def pickup_list(actor, status: str = OrderStatus.HELD) -> QuerySet[RewardOrder]:
    orders = RewardOrder.objects.filter(scope_q(actor, MANAGE, "branch__path")).select_related(
        "item", "person", "branch")
    if status:
        orders = orders.filter(status=status)
    return orders.order_by("created_at", "id")
