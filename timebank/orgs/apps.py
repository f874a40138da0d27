from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "timebank.orgs"
    label = "orgs"
    verbose_name = _("Organisation")

    def ready(self):
        from timebank.orgs.rules import register

        from .models import BankRules

        register("membership", BankRules, title=_("Membership"), order=10)
