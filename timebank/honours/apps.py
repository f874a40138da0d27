from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HonoursConfig(AppConfig):
    name = "timebank.honours"
    verbose_name = _("Honours and service records")

    def ready(self):
        from timebank.orgs.rules import register

        from .models import HonourRules

        register("honours", HonourRules, title=_("Star levels"), order=60)
