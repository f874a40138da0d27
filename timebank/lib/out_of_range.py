"""Pages answer 400, not 500, when a URL or form carries a number too large for the database."""
from django.db import DataError
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _


class OutOfRangeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OverflowError, DataError)):
            return HttpResponseBadRequest(_("A value is out of the allowed range."))
        return None
