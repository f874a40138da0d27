"""What the monthly report adds beside the service figures, so a street office can send it upward as
is: complaints, the suppliers' scores and the health alerts of the unit's subtree over the month."""
import datetime as dt

from django.db.models import Q
from django.utils import timezone

from timebank.complaints.models import Complaint, ComplaintStatus
from timebank.health.models import Alert
from timebank.orgs.models import Node
from timebank.suppliers.models import Supplier, SupplierStatus
from timebank.suppliers.selectors import current_score


def _moment(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def report_extras(node: Node, date_from: dt.date, date_to: dt.date) -> dict:
    start, end = _moment(date_from), _moment(date_to + dt.timedelta(days=1))
    complaints = Complaint.objects.filter(node__path__startswith=node.path)
    alerts = Alert.objects.filter(station__path__startswith=node.path)
    suppliers = Supplier.objects.filter(Q(node__path__startswith=node.path) | Q(node__in=_ancestors(node)),
                                        bank_id=node.bank_id or node.pk,
                                        status__in=[SupplierStatus.ADMITTED, SupplierStatus.TRIAL,
                                                    SupplierStatus.SUSPENDED]).order_by("name")
    year = date_to.year
    scored = [(s.name, s.get_status_display(), current_score(s, year)) for s in suppliers[:200]]
    return {
        "complaints": {
            "filed": complaints.filter(created_at__gte=start, created_at__lt=end).count(),
            "resolved": complaints.filter(resolved_at__gte=start, resolved_at__lt=end).count(),
            "upheld": complaints.filter(resolved_at__gte=start, resolved_at__lt=end, upheld=True).count(),
            # Filed by the month's end and not settled by then (a rejection counts as settled).
            "open_at_end": complaints.filter(created_at__lt=end).exclude(resolved_at__lt=end)
            .exclude(status=ComplaintStatus.REJECTED).count(),
        },
        "alerts": {
            "opened": alerts.filter(opened_at__gte=start, opened_at__lt=end).count(),
            "urgent": alerts.filter(opened_at__gte=start, opened_at__lt=end, severity="urgent").count(),
            "closed": alerts.filter(closed_at__gte=start, closed_at__lt=end).count(),
            "open_at_end": alerts.filter(opened_at__lt=end).exclude(closed_at__lt=end).count(),
        },
        "suppliers": sorted(scored, key=lambda row: row[2]),
    }


def _ancestors(node: Node) -> list[int]:
    """Suppliers registered above the unit (district-wide ones) serve it too."""
    return [int(pk) for pk in node.path.strip("/").split("/") if pk and int(pk) != node.pk]
