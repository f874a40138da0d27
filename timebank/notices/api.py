"""The inbox through the API (a person reads and clears only their own notices) and the station's
call list (staff with notices.call in reach: whom to phone, and what came of each call)."""
from ninja import Router, Status
from ninja.pagination import paginate

from timebank.audit.services import audit_record
from timebank.lib.errors import NotFound
from timebank.lib.pagination import Pages
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

from . import selectors, services
from .schemas import CallIn, CallListItemOut, CallOut, NoticeOut, PushSubscriptionIn, PushSubscriptionOut

router = Router(tags=["notices"])


@router.get("/notices", response=list[NoticeOut], summary="My inbox, newest first")
@paginate(Pages)
def notice_list(request, unread: bool = False):
    return selectors.notices_of(request.auth, unread=unread)


@router.post("/notices/read", summary="Mark all my notices read")
def notices_read(request):
    return {"marked": services.notices_mark_read(actor=request.auth)}


@router.get("/call-list", response=list[CallListItemOut],
            summary="The call list: notices to people who cannot get them by themselves, with whom to ring (staff)")
@paginate(Pages)
def call_list(request):
    if not has_perm(request.auth, Perm.NOTICES_CALL):
        raise NotFound()
    audit_record(actor=request.auth, action="notice.call_list_viewed", bank=request.auth.bank,
                 changes={"via": "api", "cursor": request.GET.get("cursor", "")[:40]})
    return selectors.notices_to_call(request.auth)


@router.post("/call-list/{notice_id}/calls", response={201: CallOut},
             summary="Record a call: reached (the notice counts as read), no_answer (stays listed) or wrong_number")
def call_record(request, notice_id: int, payload: CallIn):
    notice = selectors.notice_to_call_get(request.auth, notice_id)
    return Status(201, services.notice_call_record(actor=request.auth, notice=notice, outcome=payload.outcome,
                                                   note=payload.note))


@router.get("/me/push-subscriptions", response=list[PushSubscriptionOut],
            summary="The browsers (installed phones) that get my notices as push messages")
def push_subscriptions(request):
    return list(request.auth.push_subscriptions.order_by("id"))


@router.post("/me/push-subscriptions", response={201: PushSubscriptionOut},
             summary="Get my notices as push messages in this browser (its PushSubscription as JSON)")
def push_subscription_add(request, payload: PushSubscriptionIn):
    return Status(201, services.push_subscribe(actor=request.auth, endpoint=payload.endpoint,
                                               p256dh=payload.keys.p256dh, auth=payload.keys.auth))


@router.delete("/me/push-subscriptions/{subscription_id}", response={204: None},
               summary="Stop push messages to one of my browsers")
def push_subscription_remove(request, subscription_id: int):
    sub = request.auth.push_subscriptions.filter(pk=subscription_id).first()
    if sub is None:
        raise NotFound()
    services.push_unsubscribe(actor=request.auth, endpoint=sub.endpoint)
    return Status(204, None)
