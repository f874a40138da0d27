"""Points-shop endpoints: the catalogue and ordering (with Idempotency-Key)."""
from django.db import transaction
from ninja import Header, Router, Status
from ninja.pagination import paginate

from timebank.audit.idempotency import run_idempotent
from timebank.lib.pagination import Pages

from . import selectors, services
from .models import RewardOrder
from .schemas import RewardItemOut, RewardOrderOut

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
