"""Organisation tree endpoints: the nodes within the caller's reach, or open stations for sign-up."""
from ninja import Query, Router
from ninja.pagination import paginate

from timebank.lib.pagination import Pages

from .models import Node
from .roles import Perm
from .schemas import NodeOut
from .selectors import nodes_visible_to

router = Router(tags=["orgs"])


@router.get("", response=list[NodeOut], summary="Org nodes within your reach (members: their own bank's stations)")
@paginate(Pages)
def orgs_list(request, kind: str = Query("", pattern="^(|platform|bank|branch|station)$"),
              include_closed: bool = False):
    actor = request.auth
    nodes = nodes_visible_to(actor, Perm.PEOPLE_VIEW)
    if not nodes.exists() and actor.bank_id:
        nodes = Node.objects.filter(bank_id=actor.bank_id)
    if kind:
        nodes = nodes.filter(kind=kind)
    if not include_closed:
        nodes = nodes.filter(is_closed=False)
    return nodes.order_by("path")
