"""Points-shop endpoints: the catalogue and ordering (with Idempotency-Key)."""
from django.db import transaction
from ninja import Header, Router, Status
from ninja.pagination import paginate

from timebank.audit.idempotency import run_idempotent
from timebank.lib.errors import NotFound
from timebank.lib.pagination import Pages
from timebank.orgs.selectors import node_get

from . import selectors, services
from .models import RewardOrder
from .schemas import RewardItemChange, RewardItemIn, RewardItemOut, RewardOrderOut

router = Router(tags=["rewards"])
IdempotencyKey = Header(None, alias="Idempotency-Key", max_length=100)


@router.get("/rewards", response=list[RewardItemOut], summary="The catalogue of the caller's branch")
@paginate(Pages)
def reward_list(request):
    return selectors.items_visible_to(request.auth).order_by("price_points", "id")


@router.post("/rewards/{item_id}/order", response={201: RewardOrderOut, 200: RewardOrderOut},
             summary="Order an item: its points are held until pick-up")
def reward_order(request, item_id: int, key: str | None = IdempotencyKey):
    def perform():
        item = selectors.item_get(request.auth, item_id)
        order = services.order_place(actor=request.auth, item=item)
        return 201, {"id": order.pk}

    with transaction.atomic():
        status, body = run_idempotent(actor=request.auth, key=key, operation="rewards.order",
                                      payload={"item": item_id}, perform=perform)
    return Status(status, RewardOrder.objects.get(pk=body["id"]))


@router.post("/reward-orders/{order_id}/cancel", response=RewardOrderOut,
             summary="Cancel an order before pick-up (the orderer, or the branch's shop): the points are free again")
def reward_order_cancel(request, order_id: int):
    order = selectors.order_get(request.auth, order_id)
    return services.order_cancel(actor=request.auth, order=order)


@router.post("/reward-orders/{order_id}/hand-over", response=RewardOrderOut,
             summary="The branch's shop hands the item over: the held points are spent")
def reward_order_hand_over(request, order_id: int):
    order = selectors.order_get(request.auth, order_id)
    return services.order_hand_over(actor=request.auth, order=order)


@router.post("/rewards", response={201: RewardItemOut}, summary="Put an item in a branch shop's catalogue (branch admins)")
def reward_item_create(request, payload: RewardItemIn):
    actor = request.auth
    branch = node_get(actor, payload.branch_id, selectors.MANAGE)
    with transaction.atomic():
        item = services.item_create(actor=actor, branch=branch, name=payload.name, price_points=payload.price_points,
                                    stock=payload.stock, description=payload.description)
        if not payload.is_active:
            item = services.item_update(actor=actor, item=item, name=item.name, price_points=item.price_points,
                                        stock=item.stock, is_active=False, description=item.description)
    return Status(201, item)


@router.patch("/rewards/{item_id}", response=RewardItemOut,
              summary="Change an item: name, price, stock, or take it off offer (the branch's admins)")
def reward_item_change(request, item_id: int, payload: RewardItemChange):
    actor = request.auth
    item = selectors.item_get(actor, item_id)
    if not selectors.may_manage(actor, item.branch):
        raise NotFound()
    changes = {"name": item.name, "price_points": item.price_points, "stock": item.stock, "is_active": item.is_active,
               "description": item.description, **payload.dict(exclude_unset=True, exclude_none=True)}
    return services.item_update(actor=actor, item=item, **changes)
