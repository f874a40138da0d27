from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    name = "timebank.teams"
    verbose_name = _("Service teams")

    def ready(self):
        from timebank.orgs.rules import register

        from .models import TeamRules

        register("teams", TeamRules, title=_("Service teams"), order=40)
