from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "timebank.webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        """Deliveries follow what the domain apps announce (timebank.lib.events)."""
        from timebank.demands.events import DEMAND_UNFILLED, SERVICE_CREDITED
        from timebank.health.events import ALERT_OPENED
        from timebank.lib.events import subscribe

        from .services import on_alert_opened, on_demand_unfilled, on_service_credited

        subscribe(SERVICE_CREDITED, on_service_credited)
        subscribe(DEMAND_UNFILLED, on_demand_unfilled)
        subscribe(ALERT_OPENED, on_alert_opened)
