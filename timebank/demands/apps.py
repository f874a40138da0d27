from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemandsConfig(AppConfig):
    name = "timebank.demands"
    verbose_name = _("Demands and services")

    def ready(self):
        from timebank.orgs.rules import register

        from .models import DemandRules

        register("demands", DemandRules, title=_("Requests and services"), order=30)

        from timebank.lib.events import subscribe
        from timebank.orgs.events import BANK_CREATED

        from .services import service_types_seed

        subscribe(BANK_CREATED, service_types_seed)

        from timebank.people.skills import skill_source

        from . import ledger_subjects  # noqa: F401 - registers how the ledger names services
        from .selectors import service_codes_of_bank

        skill_source(service_codes_of_bank)  # what a volunteer may name as their skills
