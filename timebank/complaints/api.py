"""Complaint endpoints: the complaints you may see, filing one (photos through the page form), and
accepting, rejecting and resolving one. The paths are those they had under the suppliers' router."""
from ninja import Router, Status
from ninja.pagination import paginate

from timebank.demands.models import Assignment
from timebank.lib.errors import NotFound
from timebank.lib.pagination import Pages
from timebank.people.models import Person
from timebank.suppliers.models import Supplier, SupplierOrder

from . import selectors, services
from .schemas import ComplaintIn, ComplaintOut, NoteIn, ReasonIn, ResolveIn

router = Router(tags=["complaints"])


@router.get("/complaints", response=list[ComplaintOut], summary="Complaints you filed, handle, or that concern you")
@paginate(Pages)
def complaint_list(request, status: str = ""):
    complaints = selectors.complaints_visible_to(request.auth)
    if status:
        complaints = complaints.filter(status=status)
    return complaints.order_by("due_at", "id")


@router.post("/complaints", response={201: ComplaintOut}, summary="File a complaint (photos: use the page form)")
def complaint_create(request, payload: ComplaintIn):
    actor = request.auth
    bank_id = actor.bank_id

    def get(model, pk):
        if pk is None:
            return None
        found = model.objects.filter(pk=pk).first()
        if found is None:
            raise NotFound()
        return found

    complainant = get(Person, payload.complainant_id) or actor
    supplier = get(Supplier, payload.supplier_id)
    if supplier is not None and supplier.bank_id != bank_id:
        raise NotFound()
    complaint = services.complaint_file(
        actor=actor, complainant=complainant, subject=payload.subject, category=payload.category, text=payload.text,
        severity=payload.severity, supplier=supplier, volunteer=get(Person, payload.volunteer_id),
        assignment=get(Assignment, payload.assignment_id), order=get(SupplierOrder, payload.order_id))
    return Status(201, complaint)


@router.post("/complaints/{complaint_id}/accept", response=ComplaintOut)
def complaint_accept(request, complaint_id: int, payload: NoteIn | None = None):
    complaint = selectors.complaint_get(request.auth, complaint_id)
    return services.complaint_accept(actor=request.auth, complaint=complaint, note=payload.note if payload else "")


@router.post("/complaints/{complaint_id}/reject", response=ComplaintOut)
def complaint_reject(request, complaint_id: int, payload: ReasonIn):
    complaint = selectors.complaint_get(request.auth, complaint_id)
    return services.complaint_reject(actor=request.auth, complaint=complaint, reason=payload.reason)


@router.post("/complaints/{complaint_id}/resolve", response=ComplaintOut)
def complaint_resolve(request, complaint_id: int, payload: ResolveIn):
    complaint = selectors.complaint_get(request.auth, complaint_id)
    return services.complaint_resolve(actor=request.auth, complaint=complaint, outcome=payload.outcome,
                                      upheld=payload.upheld, severity=payload.severity,
                                      suspend_volunteer=payload.suspend_volunteer,
                                      correct_transfer_id=payload.correct_transfer_id,
                                      correct_minutes=payload.correct_minutes)
