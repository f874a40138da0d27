"""Webhooks: register an endpoint, turn domain events into delivery rows (in the event's own
transaction), and post them signed, at least once, retrying with backoff.

A delivery's body:

    {"id": "<delivery uuid>", "event": "service.confirmed", "bank_id": 2,
     "occurred_at": "2026-12-03T18:40:12.311201+08:00", "data": {...}}

signed with the endpoint's secret in the header
`Timebank-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`; the receiver
recomputes it, refuses a `t` older than five minutes, and drops a repeated `id` (a delivery may
arrive twice if the worker stops between sending and recording)."""
import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.lib import field_crypto
from timebank.lib.errors import InvalidInput, NotFound
from timebank.lib.nudge import nudge_on_commit
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

from .models import Delivery, DeliveryStatus, Endpoint, Event

# Seconds to wait after each failed attempt; after the last, the delivery is given up (about 3.4 days).
BACKOFF = (60, 300, 1800, 7200, 21600, 43200, 86400, 129600)
MAX_ATTEMPTS = len(BACKOFF)
SIGNATURE_HEADER = "Timebank-Signature"


# ---- endpoints (bank admins: rules.manage at the bank) ------------------------------------------------

def _may_manage(actor, bank) -> bool:
    return bank is not None and has_perm(actor, Perm.RULES_MANAGE, bank)


def endpoints_visible_to(actor):
    """The endpoints of the banks this actor manages (none for anyone else)."""
    banks = [bank for bank in {getattr(actor, "bank", None)} if _may_manage(actor, bank)]
    return Endpoint.objects.filter(bank__in=banks, active=True).order_by("-created_at", "-pk")


def endpoint_get(actor, endpoint_id: int) -> Endpoint:
    """The fetch-authorise helper: an endpoint of a bank the actor manages, else NotFound."""
    endpoint = Endpoint.objects.filter(pk=endpoint_id, active=True).select_related("bank").first()
    if endpoint is None or not _may_manage(actor, endpoint.bank):
        raise NotFound()
    return endpoint


def _check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise InvalidInput(_("Give the full address of the receiving system, starting with https://."),
                           code="url_invalid")
    if not settings.DEBUG and parts.scheme != "https" and parts.hostname not in settings.WEBHOOK_PLAIN_HTTP_HOSTS:
        raise InvalidInput(_("Webhooks are sent over https only."), code="url_not_https")
    return url


def endpoint_create(*, actor, bank, url: str, events: list[str], description: str = "") -> tuple[Endpoint, str]:
    """Register an endpoint; returns it and its signing secret, which is shown this once."""
    if not _may_manage(actor, bank):
        raise NotFound()
    url = _check_url(url)
    chosen = list(dict.fromkeys(events or []))
    if not chosen or any(e not in Event.values for e in chosen):
        raise InvalidInput(_("Choose one or more events: %(events)s.") % {"events": ", ".join(Event.values)},
                           code="events_invalid")
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = Endpoint.objects.create(bank=bank, url=url, events=chosen, description=(description or "")[:200],
                                       secret_encrypted=field_crypto.encrypt(secret), created_by=actor,
                                       created_at=timezone.now())
    audit_record(actor=actor, action="webhook.created", obj=endpoint, bank=bank, changes={"url": url, "events": chosen})
    return endpoint, secret


def endpoint_deactivate(*, actor, endpoint: Endpoint) -> None:
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint_get(actor, endpoint.pk).pk)
        endpoint.active, endpoint.deactivated_at = False, timezone.now()
        endpoint.save(update_fields=["active", "deactivated_at"])
        Delivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.FAILED, last_error="endpoint removed")
        audit_record(actor=actor, action="webhook.removed", obj=endpoint, bank=endpoint.bank)


# ---- events → deliveries (inside the event's transaction) --------------------------------------------

def _local(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def event_record(*, bank_id: int, event: str, subject: str, data: dict) -> int:
    """One delivery row per active endpoint of the bank that asked for this event; the same event of
    the same subject is recorded once per endpoint. Sent after the commit."""
    endpoints = [e for e in Endpoint.objects.filter(bank_id=bank_id, active=True) if event in e.events]
    if not endpoints:
        return 0
    now = timezone.now()
    payload = {"event": event, "bank_id": bank_id, "occurred_at": _local(now), "data": data}
    rows = Delivery.objects.bulk_create([Delivery(bank_id=bank_id, endpoint=e, event=event, subject=subject[:80],
                                                  payload=payload, created_at=now, next_attempt_at=now)
                                         for e in endpoints], ignore_conflicts=True)
    nudge_on_commit("timebank.webhooks.tasks.deliver_webhooks")
    return len(rows)


def on_service_credited(*, assignment, demand) -> None:
    event_record(bank_id=demand.bank_id, event=Event.SERVICE_CONFIRMED, subject=f"assignment:{assignment.pk}", data={
        "assignment_id": assignment.pk, "demand_id": demand.pk, "station_id": demand.station_id,
        "service_type": demand.service_type.code, "volunteer_id": assignment.volunteer_id,
        "served_minutes": assignment.served_minutes, "credited_minutes": assignment.credited_minutes,
        "credited_points": assignment.credited_points, "credited_at": _local(assignment.credited_at)})


def on_demand_unfilled(*, demand) -> None:
    event_record(bank_id=demand.bank_id, event=Event.DEMAND_UNFILLED, subject=f"demand:{demand.pk}", data={
        "demand_id": demand.pk, "station_id": demand.station_id, "service_type": demand.service_type.code,
        "starts_at": _local(demand.starts_at), "headcount": demand.headcount})


def on_alert_opened(*, alert) -> None:
    # Which rule and how urgent, never the measured values (they stay behind the health permissions).
    event_record(bank_id=alert.bank_id, event=Event.ALERT_OPENED, subject=f"alert:{alert.pk}", data={
        "alert_id": alert.pk, "station_id": alert.station_id, "elder_id": alert.elder_id, "rule": alert.rule,
        "severity": alert.severity, "opened_at": _local(alert.opened_at)})


# ---- sending --------------------------------------------------------------------------------------------

def sign(secret: str, body: bytes, at: int) -> str:
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def body_of(delivery: Delivery) -> bytes:
    return json.dumps({"id": str(delivery.id), **delivery.payload}, ensure_ascii=False,
                      separators=(",", ":")).encode()


def _post(endpoint: Endpoint, delivery: Delivery) -> tuple[int | None, str]:
    """(HTTP status or None, error text) of one attempt."""
    body = body_of(delivery)
    request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": "Timebank-Webhooks/1",
        "Timebank-Event": delivery.event, "Timebank-Delivery": str(delivery.id),
        SIGNATURE_HEADER: sign(field_crypto.decrypt(endpoint.secret_encrypted), body, int(time.time()))})
    try:
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as answer:  # noqa: S310
            return answer.status, ""
    except urllib.error.HTTPError as err:
        return err.code, f"HTTP {err.code}"
    except (urllib.error.URLError, OSError, ValueError) as err:
        return None, str(getattr(err, "reason", err))[:300]


def deliver(delivery_id, now: dt.datetime | None = None) -> str | None:
    """One attempt at one due delivery (skipped when another worker holds it); its new status."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update(skip_locked=True).select_related("endpoint")
                    .filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now).first())
        if delivery is None:
            return None
        code, error = _post(delivery.endpoint, delivery)
        delivery.attempts += 1
        delivery.last_status_code, delivery.last_error = code, error
        if code is not None and 200 <= code < 300:
            delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, timezone.now()
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = now + dt.timedelta(seconds=BACKOFF[delivery.attempts - 1])
        delivery.save(update_fields=["attempts", "last_status_code", "last_error", "status", "delivered_at",
                                     "next_attempt_at"])
        return delivery.status


def deliver_due(now: dt.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Every due delivery, oldest first: what became of them."""
    now = now or timezone.now()
    due = list(Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "created_at").values_list("pk", flat=True)[:limit])
    outcome: dict[str, int] = {}
    for pk in due:
        status = deliver(pk, now=now)
        if status:
            outcome[status] = outcome.get(status, 0) + 1
    return outcome
