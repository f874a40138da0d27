"""What a locked-out sign-in gets back: the API keeps its own JSON error, pages get the lockout page."""
from axes.helpers import get_client_username, get_cool_off, get_cool_off_iso8601, get_failure_limit
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.utils.translation import gettext as _


def lockout_response(request, original_response, credentials):
    # The token endpoint already answered `{"code": "locked_out", ...}`; axes must not swap in an HTML page.
    if request.path.startswith("/api/") and original_response is not None:
        return original_response
    context = {"failure_limit": get_failure_limit(request, credentials),
               "username": get_client_username(request, credentials) or ""}
    cool_off = get_cool_off(request)
    if cool_off:
        context.update(cooloff_time=get_cool_off_iso8601(cool_off), cooloff_timedelta=cool_off)
    try:
        return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=429)
    except TemplateDoesNotExist:
        return HttpResponse(_("Too many failed sign-ins. Try again later or ask station staff."), status=429)
