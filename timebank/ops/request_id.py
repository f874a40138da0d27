"""The current request's id, for its `X-Request-ID` response header and every log line written while it runs.

Standard library only: the logging configuration in settings imports this before Django's apps are ready."""
import logging
import re
import uuid
from contextvars import ContextVar, Token

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# What a proxy or a client may hand us: a plain token, so a log line can never be forged or split with it.
_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_for(given: str | None) -> str:
    """The caller's id when it is a plain token (it then ties our log lines to the proxy's), else a new one."""
    if given and _SANE.fullmatch(given):
        return given
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return _request_id.get()


def bind_request_id(request_id: str) -> Token:
    return _request_id.set(request_id)


def unbind_request_id(token: Token) -> None:
    _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record (None outside a request: the worker, management commands)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = _request_id.get()
        return True
