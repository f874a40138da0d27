"""Reads of complaints, scoped to what `actor` may see: handlers by the org nodes in their reach,
supplier staff those about their supplier, anyone the complaints they filed or were filed for them."""
from django.db.models import Q, QuerySet

from timebank.lib.errors import NotFound
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import scope_q
from timebank.suppliers.selectors import member_supplier_ids

from .models import OPEN_COMPLAINT, Complaint


def complaints_visible_to(actor) -> QuerySet[Complaint]:
    """Handlers: complaints that happened or are now owned in reach. Supplier staff: about their
    supplier. Anyone: complaints they filed or that were filed for them."""
    q = (scope_q(actor, Perm.COMPLAINTS_HANDLE, "node__path") | scope_q(actor, Perm.COMPLAINTS_HANDLE, "owner_node__path")
         | Q(supplier_id__in=member_supplier_ids(actor)))
    if getattr(actor, "pk", None):
        q |= Q(complainant=actor) | Q(filed_by=actor)
    return Complaint.objects.filter(q).select_related("supplier", "owner_node", "node", "complainant")


def complaint_get(actor, complaint_id) -> Complaint:
    try:
        return complaints_visible_to(actor).get(pk=int(complaint_id))
    except (Complaint.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def complaint_transfers(complaint: Complaint) -> QuerySet:
    """The posted coin movements a complaint is about, which an upheld outcome may correct: a
    supplier order's redemption, or a service record's credit and the elder's payment for it."""
    from timebank.ledger.models import Transfer, TransferKind, TransferStatus

    q = Q(pk__in=[])
    if complaint.order_id:
        q |= Q(subject_type="suppliers.supplierorder", subject_id=str(complaint.order_id))
    if complaint.assignment_id:
        assignment = complaint.assignment
        q |= Q(pk__in=[int(pk) for pk in assignment.credit_transfer_ids or []])
        if assignment.hold_id:
            q |= Q(hold_id=assignment.hold_id)
    return (Transfer.objects.filter(q, status=TransferStatus.POSTED).exclude(kind=TransferKind.CORRECTION)
            .select_related("debit__owner", "credit__owner").order_by("id"))


def complaint_board(actor) -> QuerySet[Complaint]:
    return (Complaint.objects.filter(scope_q(actor, Perm.COMPLAINTS_HANDLE, "owner_node__path"),
                                     status__in=OPEN_COMPLAINT)
            .select_related("supplier", "owner_node", "node", "complainant").order_by("due_at", "id"))
