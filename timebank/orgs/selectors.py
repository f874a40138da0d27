"""Reads of the org tree, and the one place that decides what an actor's roles reach."""
from django.db.models import Q, QuerySet

from timebank.lib.errors import NotFound

from .models import Node, NodeKind, RoleGrant
from .roles import GRANTABLE, PERMISSIONS, Perm, Role
from .rules import Rules, history


def active_grants(actor) -> list[RoleGrant]:
    """The actor's live grants, cached on the actor object for the request."""
    if actor is None or not getattr(actor, "pk", None):
        return []
    cached = getattr(actor, "_active_grants", None)
    if cached is None:
        cached = list(RoleGrant.objects.filter(person=actor, revoked_at__isnull=True, node__is_closed=False)
                      .select_related("node"))
        actor._active_grants = cached
    return cached


def roles_of(actor) -> set[str]:
    return {g.role for g in active_grants(actor)}


def nodes_with(actor, perm: str) -> list[Node]:
    """The top nodes at which the actor holds `perm` (their subtrees are what they reach)."""
    nodes = [g.node for g in active_grants(actor) if perm in PERMISSIONS.get(g.role, ())]
    nodes.sort(key=lambda n: len(n.path))
    tops: list[Node] = []
    for node in nodes:
        if not any(node.path.startswith(t.path) for t in tops):
            tops.append(node)
    return tops


def scope_q(actor, perm: str, path_field: str = "node__path") -> Q:
    """A filter that keeps only rows whose node lies in a subtree where the actor holds `perm`."""
    tops = nodes_with(actor, perm)
    if not tops:
        return Q(pk__in=[])
    q = Q()
    for top in tops:
        q |= Q(**{f"{path_field}__startswith": top.path})
    return q


def has_perm(actor, perm: str, node: Node | None = None) -> bool:
    tops = nodes_with(actor, perm)
    if node is None:
        return bool(tops)
    return any(node.path.startswith(t.path) for t in tops)


def can_grant(actor, role: str, node: Node) -> bool:
    return any(
        node.path.startswith(g.node.path) and role in GRANTABLE.get(g.role, ())
        for g in active_grants(actor)
    )


def subtree(node: Node) -> QuerySet[Node]:
    return Node.objects.filter(path__startswith=node.path)


def nodes_visible_to(actor, perm: str) -> QuerySet[Node]:
    return Node.objects.filter(scope_q(actor, perm, path_field="path")).select_related("parent", "bank")


def node_get(actor, node_id: int, perm: str) -> Node:
    """A node the actor reaches with `perm`, or 404 (never a hint that it exists elsewhere)."""
    try:
        return nodes_visible_to(actor, perm).get(pk=node_id)
    except (Node.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def open_stations() -> QuerySet[Node]:
    return Node.objects.filter(kind=NodeKind.STATION, is_closed=False).select_related("parent", "bank")


def rules_for(bank: Node, at=None) -> Rules:
    """Every part of the bank's rules in force at `at` (now by default), the shipped defaults where
    none are set. An app reads its own part directly (`LedgerRules.in_force(bank)`)."""
    return Rules(bank, at)


def grants_visible_to(actor) -> QuerySet[RoleGrant]:
    """Live role grants at nodes where the actor may grant roles."""
    return (RoleGrant.objects.filter(scope_q(actor, Perm.ROLES_GRANT, "node__path"), revoked_at__isnull=True)
            .select_related("person", "node").order_by("node__path", "role", "person__name"))


def grant_get(actor, grant_id) -> RoleGrant:
    try:
        return grants_visible_to(actor).get(pk=int(grant_id))
    except (RoleGrant.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def grants_of(person) -> QuerySet[RoleGrant]:
    return RoleGrant.objects.filter(person=person, revoked_at__isnull=True).select_related("node")


def roles_grantable_by(actor) -> list[str]:
    """Every role the actor may hand out somewhere, in the order roles are declared."""
    allowed: set[str] = set()
    for grant in active_grants(actor):
        allowed |= GRANTABLE.get(grant.role, frozenset())
    return [role for role in Role.values if role in allowed]


def rules_history(bank: Node, limit: int = 20) -> list:
    """(part, row) of the latest changes of the bank's rules, newest first."""
    return history(bank, limit)
