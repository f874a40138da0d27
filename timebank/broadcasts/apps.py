from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BroadcastsConfig(AppConfig):
    name = "timebank.broadcasts"
    verbose_name = _("Messages to groups")
