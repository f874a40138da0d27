"""How demand pages answer: which form field a refused request is about, and a button's message
before it goes back to the page it was pressed on."""
from django.contrib import messages
from django.shortcuts import redirect

from timebank.lib.errors import DomainError
from timebank.lib.pages import safe_next

# Which form field a refused request is about, by error code.
DEMAND_FIELDS = {"times_invalid": "end", "start_in_past": "day", "too_far_ahead": "day", "headcount_invalid": "headcount",
                 "elder_required": "elder", "not_an_elder": "elder", "elder_pays_for_one": "payer",
                 "insufficient_balance": "payer", "redemption_not_yet_allowed": "payer",
                 "service_type_unavailable": "service_type", "coordinates_invalid": "latitude",
                 "series_range_invalid": "weekly_until"}


def done(request, message: str, default: str):
    """It went through: say so, and back to `next` (or `default`)."""
    messages.success(request, message)
    return redirect(safe_next(request, default))


def refused(request, err: DomainError, default: str):
    """The service said no: show why, and back to `next` (or `default`)."""
    messages.error(request, str(err.message))
    return redirect(safe_next(request, default))
