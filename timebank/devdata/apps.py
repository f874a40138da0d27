from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevdataConfig(AppConfig):
    """Demo and benchmark data (seed_demo, generate_city): the top layer, built through every app's services."""

    name = "timebank.devdata"
    label = "devdata"
    verbose_name = _("Demo data")
