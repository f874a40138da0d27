"""The inbox through the API: a person reads and clears only their own notices."""
from ninja import Router
from ninja.pagination import paginate

from timebank.lib.pagination import Pages

from . import selectors, services
from .schemas import NoticeOut

router = Router(tags=["notices"])


@router.get("/notices", response=list[NoticeOut], summary="My inbox, newest first")
@paginate(Pages)
def notice_list(request, unread: bool = False):
    return selectors.notices_of(request.auth, unread=unread)


@router.post("/notices/read", summary="Mark all my notices read")
def notices_read(request):
    return {"marked": services.notices_mark_read(actor=request.auth)}
