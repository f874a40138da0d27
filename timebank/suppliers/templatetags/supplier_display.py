"""Money in fen shown as yuan."""
from django import template

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

