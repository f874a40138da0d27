"""Sending short text messages through the backend named by settings.SMS_BACKEND. The shipped
backend only logs: government intranets have no gateway, and a deployment plugs its own in."""
import logging

from django.conf import settings
from django.utils.module_loading import import_string

from .masking import mask_mobile

logger = logging.getLogger("timebank.sms")


class SmsBackend:
    """The interface: `send(mobile, text)`; a failure raises, a success returns nothing."""

    def send(self, mobile: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class LoggingSmsBackend(SmsBackend):
    """Writes each message to the log (the number masked) and keeps the last ones for tests."""

    sent: list[tuple[str, str]] = []

    def send(self, mobile: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_mobile(mobile), text)
        LoggingSmsBackend.sent = [*LoggingSmsBackend.sent[-99:], (mobile, text)]


def sms_backend() -> SmsBackend:
    return import_string(getattr(settings, "SMS_BACKEND", "timebank.lib.sms.LoggingSmsBackend"))()


def sms_send(mobile: str, text: str) -> bool:
    """Send, and never let a failing gateway undo the work that wanted to tell someone."""
    try:
        sms_backend().send(mobile, text)
        return True
    except Exception:
        logger.exception("SMS to %s failed", mask_mobile(mobile))
        return False
