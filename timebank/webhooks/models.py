"""Webhooks for integrators: a bank's admin registers an address; every event of the kinds it asked
for becomes a delivery row in the same transaction as the change (an outbox), which the worker
posts, signed, and retries with backoff until the receiver answers 2xx."""
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    SERVICE_CONFIRMED = "service.confirmed", _("A service was confirmed and its coins credited")
    DEMAND_UNFILLED = "demand.unfilled", _("A request started with nobody to serve it")
    ALERT_OPENED = "alert.opened", _("A health alert was opened")


class Endpoint(models.Model):
    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list)  # Event values
    description = models.CharField(max_length=200, blank=True)
    # The signing secret, encrypted at rest with the field keys (timebank/lib/field_crypto.py).
    secret_encrypted = models.TextField()
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["bank", "active"], name="webhooks_endpoint_bank")]

    def __str__(self) -> str:
        return f"{self.url} ({', '.join(self.events)})"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Given up")


class Delivery(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)  # the receiver's dedup key
    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.PROTECT, related_name="deliveries")
    event = models.CharField(max_length=40, choices=Event.choices)
    subject = models.CharField(max_length=80)  # e.g. "assignment:12": one delivery per endpoint and subject
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["endpoint", "event", "subject"], name="webhooks_delivery_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhooks_delivery_due"),
                   models.Index(fields=["endpoint", "-created_at"], name="webhooks_delivery_log")]

    def __str__(self) -> str:
        return f"{self.event} {self.subject} → endpoint {self.endpoint_id}: {self.status}"
