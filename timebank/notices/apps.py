from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "timebank.notices"
    label = "notices"
    verbose_name = _("Notices")

    def ready(self):
        from timebank.lib.events import subscribe
        from timebank.people.events import VOLUNTEER_SKILLS_STATED

        from .services import notice_preference_seed

        subscribe(VOLUNTEER_SKILLS_STATED, notice_preference_seed)
