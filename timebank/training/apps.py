from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "timebank.training"
    verbose_name = _("Training and certificates")

    def ready(self):
        from timebank.orgs.rules import register

        from .models import TrainingRules

        register("training", TrainingRules, title=_("Training"), order=50)
