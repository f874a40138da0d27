"""How the ledger names the services behind its transfers (a passbook's 摘要): the service, the elder
(name masked) and the time, for a service credit (its assignment) and a booking's held coins (its demand)."""
from django.utils import timezone

from timebank.ledger.display import mask_name
from timebank.ledger.subjects import subject_describer

from .models import Assignment, Demand


def _line(demand: Demand) -> str:
    who = mask_name(demand.elder.name) if demand.elder_id else ""
    when = f"{timezone.localtime(demand.starts_at):%m-%d %H:%M}"
    return " · ".join(part for part in (demand.service_type.name, who, when) if part)


@subject_describer("demands.assignment")
def describe_assignments(ids: list[str]) -> dict[str, str]:
    rows = Assignment.objects.filter(pk__in=[int(i) for i in ids if str(i).isdigit()]).select_related(
        "demand__service_type", "demand__elder")
    return {str(a.pk): _line(a.demand) for a in rows}


@subject_describer("demands.demand")
def describe_demands(ids: list[str]) -> dict[str, str]:
    rows = Demand.objects.filter(pk__in=[int(i) for i in ids if str(i).isdigit()]).select_related(
        "service_type", "elder")
    return {str(d.pk): _line(d) for d in rows}
