"""How the ledger names a supplier order behind its transfers (a passbook's 摘要): the service, the
supplier and the time."""
from django.utils import timezone

from timebank.ledger.subjects import subject_describer

from .models import SupplierOrder


@subject_describer("suppliers.supplierorder")
def describe_orders(ids: list[str]) -> dict[str, str]:
    rows = SupplierOrder.objects.filter(pk__in=[int(i) for i in ids if str(i).isdigit()]).select_related(
        "supplier", "service_type")
    return {str(o.pk): f"{o.service_type.name} · {o.supplier.name} · {timezone.localtime(o.starts_at):%m-%d %H:%M}"
            for o in rows}
