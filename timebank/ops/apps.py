from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """The background's own health: heartbeats of the worker and the housekeeping loop, stale tasks,
    `/readyz` and the staff banner when the background is behind."""

    name = "timebank.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .db_roles import regrant_after_migrate

        post_migrate.connect(regrant_after_migrate, sender=self)
        post_migrate.connect(_roll_after_migrate, sender=self)


def _roll_after_migrate(sender, using="default", **kwargs) -> None:
    """After every migrate: this month's and next month's partitions exist (PostgreSQL)."""
    from django.db import connections
    from django.utils import timezone

    from timebank.lib import partitions

    partitions.roll(timezone.now(), connection=connections[using])
