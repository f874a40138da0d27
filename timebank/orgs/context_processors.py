"""What the base layout needs to draw the navigation for the signed-in person's roles."""
from timebank.lib import care_mode as care

from .roles import Perm
from .selectors import has_perm, roles_of


def navigation(request):
    """`nav_roles` (the role codes) and `nav` (which staff sections to link); members get neither.
    `care_mode` is the member's large-print mode switched on this device; staff pages stay dense."""
    care_mode = care.is_on(request)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": set(), "nav": {"staff": False}, "care_mode": care_mode}
    nav = staff_sections(user)
    return {"nav_roles": roles_of(user), "nav": nav, "care_mode": care_mode and not nav["staff"]}


def staff_sections(user) -> dict[str, bool]:
    """Which staff pages this person may open; `staff` is true when any of them."""
    nav = {
        "people": has_perm(user, Perm.PEOPLE_VIEW),
        "register": has_perm(user, Perm.PEOPLE_EDIT),
        "imports": has_perm(user, Perm.PEOPLE_EDIT),
        "approve": has_perm(user, Perm.VOLUNTEERS_APPROVE),
        "orgs": has_perm(user, Perm.PEOPLE_VIEW) or has_perm(user, Perm.ORGS_MANAGE),
        "grants": has_perm(user, Perm.ROLES_GRANT),
        "rules": has_perm(user, Perm.RULES_MANAGE),
        "audit": has_perm(user, Perm.AUDIT_VIEW),
        "demands": has_perm(user, Perm.DEMANDS_VIEW),
        "health": has_perm(user, Perm.HEALTH_VIEW) or has_perm(user, Perm.HEALTH_STATS),
        "health_cards": has_perm(user, Perm.HEALTH_CARDS),
        "health_devices": has_perm(user, Perm.HEALTH_DEVICES),
        "teams": has_perm(user, Perm.VOLUNTEERS_APPROVE),
        "training": has_perm(user, Perm.VOLUNTEERS_APPROVE),
        "shop": has_perm(user, Perm.LEDGER_GRANT),
        "record_corrections": has_perm(user, Perm.DEMANDS_MANAGE),
        "suppliers": has_perm(user, Perm.SUPPLIERS_VIEW),
        "complaints": has_perm(user, Perm.COMPLAINTS_HANDLE),
        "service_types": has_perm(user, Perm.SERVICE_TYPES_MANAGE),
        "stats": has_perm(user, Perm.STATS_VIEW),
        "calls": has_perm(user, Perm.NOTICES_CALL),
        "broadcast": has_perm(user, Perm.NOTICES_BROADCAST),
        "clearing": has_perm(user, Perm.CLEARING_VIEW),
    }
    nav["staff"] = any(nav.values())
    return nav
