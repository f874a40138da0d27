from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """The background's own health: heartbeats of the worker and the housekeeping loop, stale tasks,
    `/readyz` and the staff banner when the background is behind."""

    name = "timebank.ops"
    label = "ops"
    verbose_name = _("Operations")
