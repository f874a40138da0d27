from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "timebank.imports"
    verbose_name = _("Roster import")
