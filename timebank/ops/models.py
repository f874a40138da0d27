"""Signs of life of the background processes."""
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProcessKind(models.TextChoices):
    WORKER = "worker", _("Task worker")
    HOUSEKEEPING = "housekeeping", _("Housekeeping loop")


class Heartbeat(models.Model):
    """The last beat of one background process (a worker by its id, or the housekeeping loop)."""

    name = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=ProcessKind.choices)
    host = models.CharField(max_length=100, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    beat_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["kind", "beat_at"], name="ops_heartbeat_kind_beat")]

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"
