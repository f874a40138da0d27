"""Showing demands: the service type in the reader's language, distances, rating faces."""
from django import template
from django.utils.dateformat import format as date_format
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
