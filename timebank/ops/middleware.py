"""Every request gets an id (a sane incoming `X-Request-ID`, or a new one) that its log lines and its
response carry, one log line when it is answered (`timebank.request`), and its count and time in `/metrics`."""
import logging
import time

from django.utils.functional import LazyObject, empty
from django.utils.log import log_response

from .metrics import request_observe, route_of
from .request_id import bind_request_id, request_id_for, unbind_request_id

logger = logging.getLogger("timebank.request")


def _user_id(request) -> int | None:
    """The signed-in person's id if this request already looked them up: no query is made for the log line."""
    user = request.__dict__.get("user")  # a lazy object (sessions) or the person (API tokens)
    if isinstance(user, LazyObject):
        user = user._wrapped
    if user is None or user is empty or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


def _loggable_path(request) -> str:
    """The path without its query string (a search may be a name or a mobile tail) and without signed tokens
    (a passbook's verification link carries its balance)."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    token = match.kwargs.get("token") if match else None
    return path.replace(str(token), "<token>") if token else path


class RequestObservabilityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_for(request.headers.get("X-Request-ID"))
        bound = bind_request_id(request.request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            response["X-Request-ID"] = request.request_id
            if response.status_code >= 400:
                # Django logs these after the last middleware has returned; here the line still has its id.
                log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request)
            route = route_of(request)
            request_observe(request.method, route, response.status_code, seconds)
            if logger.isEnabledFor(logging.INFO):
                path = _loggable_path(request)
                logger.info("%s %s %s", request.method, path, response.status_code, extra={
                    "method": request.method, "path": path, "route": route, "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1), "user_id": _user_id(request)})
            return response
        finally:
            unbind_request_id(bound)
