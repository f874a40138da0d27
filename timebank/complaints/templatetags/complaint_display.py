"""The complaints tile of the staff home page."""
from django import template

from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

register = template.Library()


@register.simple_tag(takes_context=True)
def complaints_due(context) -> dict:
    """For the staff home page: open complaints owned in reach and how many are overdue."""
    from django.utils import timezone

    from timebank.complaints.selectors import complaint_board

    user = context.get("user")
    if user is None or not user.is_authenticated or not has_perm(user, Perm.COMPLAINTS_HANDLE):
        return {}
    board = complaint_board(user)
    return {"open": board.count(), "overdue": board.filter(due_at__lt=timezone.now()).count()}
