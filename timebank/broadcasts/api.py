"""Messages to groups through the API: how many a message would reach and how, sending it, and the
messages sent in the caller's reach (notices.broadcast)."""
from ninja import Router, Status
from ninja.pagination import paginate

from timebank.lib.errors import NotFound
from timebank.lib.pagination import Pages
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

from . import selectors, services
from .schemas import BroadcastIn, BroadcastOut, BroadcastTargetIn, ReachOut

router = Router(tags=["broadcasts"])


def _target(request, payload: BroadcastTargetIn) -> dict:
    node = selectors.broadcast_node_get(request.auth, payload.node_id)
    team = selectors.broadcast_team_get(request.auth, payload.team_id) if payload.team_id else None
    return {"node": node, "audience": payload.audience, "team": team, "course_code": payload.course_code,
            "by_sms": payload.by_sms}


@router.get("/broadcasts", response=list[BroadcastOut], summary="Messages sent to groups in your reach (staff)")
@paginate(Pages)
def broadcast_list(request):
    if not has_perm(request.auth, Perm.NOTICES_BROADCAST):
        raise NotFound()
    return selectors.broadcasts_visible_to(request.auth).order_by("-id")


@router.post("/broadcasts/preview", response=ReachOut,
             summary="How many people a message to this group reaches, and by which way (nothing is sent)")
def broadcast_preview(request, payload: BroadcastTargetIn):
    return services.broadcast_preview(**_target(request, payload))


@router.post("/broadcasts", response={201: BroadcastOut},
             summary="Send a message to a group: one notice each, a short message too when asked")
def broadcast_send(request, payload: BroadcastIn):
    return Status(201, services.broadcast_send(actor=request.auth, text=payload.text, token=payload.token,
                                               **_target(request, payload)))
