"""Showing demands: the service type in the reader's language, distances, rating faces."""
from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()

FACES = {5: "😄", 4: "🙂", 3: "😐", 2: "🙁", 1: "😞"}


@register.filter
def type_name(service_type) -> str:
    return service_type.display_name(get_language() or "zh-hans") if service_type else ""


@register.filter
def distance(metres) -> str:
    if metres is None:
        return ""
    if metres < 1000:
        return _("%(m)s m") % {"m": int(round(metres, -1))}
    return _("%(km)s km") % {"km": f"{metres / 1000:.1f}"}


# The mouth of each drawn face: how far its middle bends down (a smile) or up, in a 48-unit box.
FACE_MOUTHS = {5: 11, 4: 6, 3: 0, 2: -6, 1: -10}


@register.filter
def face_drawing(rating) -> str:
    """A rating face drawn in SVG, for the five big buttons: the same on every device, where the
    emoji above depend on the fonts installed (an old PC shows some of them as empty boxes)."""
    try:
        bend = FACE_MOUTHS[int(rating)]
    except (TypeError, ValueError, KeyError):
        return ""
    top = 33 if bend >= 0 else 36
    return format_html(
        '<svg class="face" aria-hidden="true" focusable="false" viewBox="0 0 48 48" width="48" height="48">'
        '<circle cx="24" cy="24" r="21" fill="#fff5c2" stroke="currentColor" stroke-width="3"/>'
        '<circle cx="16.5" cy="19" r="3" fill="currentColor"/><circle cx="31.5" cy="19" r="3" fill="currentColor"/>'
        '<path d="M13 {} Q24 {} 35 {}" fill="none" stroke="currentColor" stroke-width="3.5" stroke-linecap="round"/>'
        '</svg>', top, top + bend, top)


@register.filter
def face(rating) -> str:
    try:
        return FACES.get(int(rating), "")
    except (TypeError, ValueError):
        return ""


@register.filter
def when(value) -> str:
    """A start time as people say it, in the bank's time zone: "Tue 3 Feb, 09:00" / "2月3日 星期二 09:00"."""
    if not value:
        return ""
    # Translators: a PHP-style date format for a service's start; zh-hans: "n月j日 l H:i".
    return date_format(localtime(value), _("D j M, H:i"))
