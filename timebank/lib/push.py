"""Web Push (VAPID, RFC 8291/8292) through pywebpush: a message encrypted to one browser's keys and
handed to its push service. Switched on by settings.VAPID_PRIVATE_KEY; without it nothing is sent."""
import json
import logging
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger("timebank.push")


def push_enabled() -> bool:
    return bool(getattr(settings, "VAPID_PRIVATE_KEY", "") and getattr(settings, "VAPID_PUBLIC_KEY", ""))


@dataclass(frozen=True)
class PushResult:
    ok: bool
    gone: bool = False  # the browser unsubscribed (404/410): forget it
    error: str = ""


def push_send(*, endpoint: str, p256dh: str, auth: str, payload: dict) -> PushResult:
    from pywebpush import WebPushException, webpush

    try:
        webpush(subscription_info={"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
                data=json.dumps(payload, ensure_ascii=False), vapid_private_key=settings.VAPID_PRIVATE_KEY,
                vapid_claims={"sub": settings.VAPID_SUBJECT}, timeout=getattr(settings, "PUSH_TIMEOUT", 5), ttl=86400)
        return PushResult(True)
    except WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        return PushResult(False, gone=status in (404, 410), error=f"http_{status}" if status else "refused")
    except Exception as exc:  # noqa: BLE001 - a push service's failure never undoes anything
        logger.warning("push failed: %s", exc.__class__.__name__)
        return PushResult(False, error=exc.__class__.__name__[:50])
