"""The append-only audit trail, and the stored first answers to idempotent requests."""
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """Who did or saw what, where and when. Never updated or deleted (a trigger enforces it on PostgreSQL)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    node = models.ForeignKey("orgs.Node", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey("orgs.Node", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ip = models.GenericIPAddressField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class IdempotencyRecord(models.Model):
    """The first answer given to (actor, key); a retry with the same payload gets it again."""

    actor = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=128)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor", "key"], name="audit_idempotency_actor_key")]

    def __str__(self) -> str:
        return f"{self.actor_id}:{self.key}"


class RateBucket(models.Model):
    """How many attempts one client made at one public door in one window (timebank/audit/rate_limit.py).
    Shared by every gunicorn worker through the database; housekeeping deletes windows long past."""

    scope = models.CharField(max_length=32)
    client = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "client", "window_start"], name="audit_rate_bucket")]
        indexes = [models.Index(fields=["window_start"], name="audit_rate_window")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.client}@{self.window_start:%H:%M} {self.hits}"
