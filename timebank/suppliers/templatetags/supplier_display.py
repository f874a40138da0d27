"""Money in fen shown as yuan, and the supplier tiles of the staff home page."""
from django import template

from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """12345 → "123.45" (integers throughout; no float rounding)."""
    try:
        fen = int(fen)
    except (TypeError, ValueError):
        return ""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


@register.simple_tag(takes_context=True)
def complaints_due(context) -> dict:
    """For the staff home page: open complaints owned in reach and how many are overdue."""
    from django.utils import timezone

    from timebank.suppliers.selectors import complaint_board

    user = context.get("user")
    if user is None or not user.is_authenticated or not has_perm(user, Perm.COMPLAINTS_HANDLE):
        return {}
    board = complaint_board(user)
    return {"open": board.count(), "overdue": board.filter(due_at__lt=timezone.now()).count()}
