from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliersConfig(AppConfig):
    name = "timebank.suppliers"
    verbose_name = _("Suppliers")

    def ready(self):
        from timebank.ledger.events import LIABILITY_REPORT
        from timebank.lib.events import subscribe

        from .selectors import guarantee_fund_summary

        subscribe(LIABILITY_REPORT, lambda bank: {"guarantee": guarantee_fund_summary(bank)})

        from . import ledger_subjects  # noqa: F401 - registers how the ledger names supplier orders
