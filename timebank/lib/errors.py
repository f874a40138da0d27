"""The one error type services raise: a stable code, a translated message, an HTTP status."""
from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refused request. Subclasses set `code`, `message` and `status`; nothing was changed."""

    code = "domain_error"
    message = _("The request could not be carried out.")
    status = 400

    def __init__(self, message: Any = None, *, code: str | None = None, detail: dict | None = None,
                 status: int | None = None):
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.detail = detail or {}
        super().__init__(str(self.message))

    def as_dict(self) -> dict:
        return {"code": self.code, "message": str(self.message), "detail": self.detail}


class NotFound(DomainError):
    code = "not_found"
    message = _("Not found.")
    status = 404


class PermissionDenied(DomainError):
    code = "permission_denied"
    message = _("You are not allowed to do this.")
    status = 403


class InvalidInput(DomainError):
    code = "invalid_input"
    message = _("Some of the information is not valid.")
    status = 422


class Conflict(DomainError):
    code = "conflict"
    message = _("This conflicts with the current state.")
    status = 409
