from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClearingConfig(AppConfig):
    name = "timebank.clearing"
    verbose_name = _("Clearing between banks")

    def ready(self) -> None:
        from . import ledger_subjects  # noqa: F401  (registers how passbooks name cross-bank transfers)
