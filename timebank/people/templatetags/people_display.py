"""Template filters that show personal numbers the way a page may show them: masked."""
from django import template

from timebank.lib.masking import mask_mobile as _mask_mobile

register = template.Library()


@register.filter
def mask_mobile(number: str | None) -> str:
    return _mask_mobile(number or "")


@register.filter
def whole_minutes(delta) -> int:
    """A timedelta as whole minutes, rounded up (a lockout of 29.5 minutes reads as 30)."""
    seconds = int(delta.total_seconds()) if delta else 0
    return -(-seconds // 60)
