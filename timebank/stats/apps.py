from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "timebank.stats"
    label = "stats"
    verbose_name = _("Statistics")

    def ready(self):
        """The rollups follow what the apps below announce (timebank.lib.events)."""
        from timebank.lib.events import subscribe
        from timebank.orgs.events import STATION_DAY_CHANGED
        from timebank.people.events import MEMBER_MOVED, VOLUNTEER_ACTIVITY_CHANGED

        from .services import member_moved, rollup_touch, volunteer_activity_changed

        subscribe(STATION_DAY_CHANGED, rollup_touch)
        subscribe(MEMBER_MOVED, member_moved)
        subscribe(VOLUNTEER_ACTIVITY_CHANGED, volunteer_activity_changed)
