"""When the database cannot be reached (a restart, a failover), pages answer a Chinese 503 page and
the API its `{code, message, detail}` JSON with status 503 and `Retry-After`, instead of a
traceback or an English 500. Nothing is half-written: the request's transaction never committed."""
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 30


def is_outage(exception: BaseException) -> bool:
    return isinstance(exception, (OperationalError, InterfaceError))


def outage_json() -> JsonResponse:
    response = JsonResponse({"code": "database_unavailable",
                             "message": _("The service cannot reach its database just now. Nothing was changed; "
                                          "try again in a minute."), "detail": {"retry_after": RETRY_AFTER_SECONDS}},
                            status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseOutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_outage(exception):
            return None
        if request.path.startswith("/api/"):
            return outage_json()
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
