"""Organisation tree endpoints: the nodes within the caller's reach, or open stations for sign-up."""
from ninja import Query, Router, Status
from ninja.pagination import paginate

from timebank.lib.errors import NotFound
from timebank.lib.pagination import Pages
from timebank.people.selectors import person_by_mobile

from . import rules as rule_parts
from . import selectors, services
from .models import CHILD_KIND, Node
from .roles import Perm
from .schemas import BankRulesChange, BankRulesOut, NodeChange, NodeChildIn, NodeOut, RoleGrantIn, RoleGrantOut
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


@router.post("/{int:node_id}/children", response={201: NodeOut},
             summary="Add a unit under this one (a branch under a bank, a station under a branch; bank admins)")
def node_add(request, node_id: int, payload: NodeChildIn):
    parent = selectors.node_get(request.auth, node_id, Perm.ORGS_MANAGE)
    return Status(201, services.node_create(actor=request.auth, parent=parent, kind=CHILD_KIND.get(parent.kind, ""),
                                            name=payload.name, name_en=payload.name_en))


@router.patch("/{int:node_id}", response=NodeOut, summary="Rename a unit or change its address (audited; bank admins)")
def node_change(request, node_id: int, payload: NodeChange):
    node = selectors.node_get(request.auth, node_id, Perm.ORGS_MANAGE)
    return services.node_update(actor=request.auth, node=node, **payload.dict(exclude_unset=True, exclude_none=True))


@router.post("/{int:node_id}/close", response=NodeOut,
             summary="Close a unit (never deleted: its history stays; nothing new goes under it)")
def node_close(request, node_id: int):
    node = selectors.node_get(request.auth, node_id, Perm.ORGS_MANAGE)
    return services.node_close(actor=request.auth, node=node)


@router.post("/role-grants", response={201: RoleGrantOut},
             summary="Give a registered person a staff role at a unit in your reach")
def role_grant(request, payload: RoleGrantIn):
    actor = request.auth
    person = person_by_mobile(actor, payload.mobile)
    node = selectors.node_get(actor, payload.node_id, Perm.ROLES_GRANT)
    return Status(201, services.role_grant(actor=actor, person=person, role=payload.role, node=node))


@router.delete("/role-grants/{grant_id}", response={204: None}, summary="End a role grant (audited)")
def role_revoke(request, grant_id: int):
    services.role_revoke(actor=request.auth, grant=selectors.grant_get(request.auth, grant_id))
    return Status(204, None)


def _bank_for_rules(request, node_id: int) -> Node:
    bank = selectors.node_get(request.auth, node_id, Perm.RULES_MANAGE)
    if bank.kind != "bank":
        raise NotFound()
    return bank


def _rules_out(bank: Node) -> dict:
    """Every part of the bank's rules in force (each app's own table, see orgs/rules.py)."""
    current = selectors.rules_for(bank)
    parts = [current.part(section.key) for section in rule_parts.sections()]
    changed = [part.effective_from for part in parts if part.pk]
    return {**{name: getattr(current, name) for name in rule_parts.all_fields()},
            "bank_id": bank.pk, "effective_from": max(changed) if changed else None}


@router.get("/{int:node_id}/rules", response=BankRulesOut, summary="The rules in force at a bank (its admins)")
def bank_rules_get(request, node_id: int):
    return _rules_out(_bank_for_rules(request, node_id))


@router.patch("/{int:node_id}/rules", response=BankRulesOut,
              summary="Change some of a bank's rules; the rest stay; in force at once, the old ones kept (audited)")
def bank_rules_change(request, node_id: int, payload: BankRulesChange):
    bank = _bank_for_rules(request, node_id)
    services.bank_rules_set(actor=request.auth, bank=bank, **payload.dict(exclude_unset=True, exclude_none=True))
    return _rules_out(bank)
