from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "timebank.ledger"
    label = "ledger"
    verbose_name = _("Ledger")

    def ready(self):
        from timebank.orgs.rules import register

        from .models import LedgerRules

        register("ledger", LedgerRules, title=_("Coins"), order=20)
