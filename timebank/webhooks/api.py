"""Webhooks for integrators: `/api/v1/webhooks` (bank admins)."""
from ninja import Router, Status
from ninja.pagination import paginate

from timebank.lib.pagination import Pages

from . import services
from .schemas import DeliveryOut, EndpointCreated, EndpointIn, EndpointOut

router = Router(tags=["webhooks"])


@router.get("/webhooks", response=list[EndpointOut], summary="Your bank's webhook endpoints (bank admins)")
@paginate(Pages)
def webhook_list(request):
    return services.endpoints_visible_to(request.auth)


@router.post("/webhooks", response={201: EndpointCreated},
             summary="Register an endpoint for events; the answer carries its signing secret, once")
def webhook_create(request, payload: EndpointIn):
    endpoint, secret = services.endpoint_create(actor=request.auth, bank=getattr(request.auth, "bank", None),
                                                url=payload.url, events=payload.events,
                                                description=payload.description)
    endpoint.secret = secret
    return Status(201, endpoint)


@router.delete("/webhooks/{webhook_id}", response={204: None}, summary="Stop sending to an endpoint")
def webhook_delete(request, webhook_id: int):
    services.endpoint_deactivate(actor=request.auth, endpoint=services.endpoint_get(request.auth, webhook_id))
    return Status(204, None)


@router.get("/webhooks/{webhook_id}/deliveries", response=list[DeliveryOut],
            summary="The delivery log of an endpoint, newest first: status, attempts, the last answer")
@paginate(Pages)
def webhook_deliveries(request, webhook_id: int):
    endpoint = services.endpoint_get(request.auth, webhook_id)
    return endpoint.deliveries.order_by("-created_at")
