"""Every write to complaints: filing (with photos), accepting, investigating, resolving and escalating.
Each authorises, validates, locks, writes, audits — in that order, inside one transaction. The deadlines
and the score changes are the bank's supplier rules (read through the suppliers' selectors); an upheld
complaint about a supplier moves its score through the suppliers' service."""
import datetime as dt
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.ledger import services as ledger
from timebank.lib.errors import InvalidInput, NotFound, PermissionDenied
from timebank.lib.images import image_reencoded
from timebank.lib.sms import sms_send
from timebank.lib.storage import stored_files_removed
from timebank.lib.text import text_within
from timebank.orgs.models import NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.models import Person
from timebank.people.selectors import can_act_for
from timebank.suppliers import selectors as suppliers
from timebank.suppliers.models import ScoreReason, Supplier, SupplierOrder
from timebank.suppliers.services import score_apply

from . import selectors
from .exceptions import InvalidTransition, PhotoTooLarge, ReasonRequired, SubjectRequired, UploadInvalid
from .models import (
    OPEN_COMPLAINT,
    Complaint,
    ComplaintCategory,
    ComplaintPhoto,
    ComplaintStatus,
    ComplaintStep,
    ComplaintSubject,
    Severity,
)

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# 40 megapixels: any phone camera's full picture, and at most ~160 MB while it is decoded.
MAX_PHOTO_PIXELS = 40_000_000
PHOTO_TYPES = ("JPEG", "PNG", "WEBP")
MAX_PHOTOS = 5


def _tell(people: Iterable[Person], text: str) -> None:
    """A short message to each person with a mobile, once the transaction has committed."""
    numbers = sorted({p.mobile for p in people if p is not None and p.mobile})
    if numbers:
        transaction.on_commit(lambda: [sms_send(n, str(text)) for n in numbers])


_text = text_within  # the one check of typed text (timebank/lib/text.py)


def _add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    local = timezone.localtime(start)
    while days > 0:
        local += dt.timedelta(days=1)
        if local.weekday() < 5:
            days -= 1
    return local


def _photo_checked(upload) -> tuple[ContentFile, str]:
    """The photo re-encoded from its pixels (see `image_reencoded`) and its content type."""
    return image_reencoded(upload, max_bytes=MAX_PHOTO_BYTES, max_pixels=MAX_PHOTO_PIXELS, kinds=PHOTO_TYPES,
                           invalid=UploadInvalid, too_large=PhotoTooLarge)


def complaint_file(*, actor: Person, subject: str, category: str, text: str, complainant: Person | None = None,
                   supplier: Supplier | None = None, volunteer: Person | None = None, assignment=None,
                   order: SupplierOrder | None = None, severity: str = Severity.MINOR,
                   photos: Iterable = ()) -> Complaint:
    """An elder, proxy, volunteer or staff member complains about a supplier, a volunteer or a
    service record they can see. The station where it happened owns it first. Staff reach counts
    through complaints.handle: an auditor who reads every order and record files no complaint about
    them (a complaint can end in a suspension or a coin correction)."""
    from timebank.demands.selectors import acts_for_demand, demands_visible_to

    complainant = complainant or actor
    if complainant.pk != actor.pk and not can_act_for(actor, complainant):
        raise NotFound()
    if subject not in ComplaintSubject.values:
        raise SubjectRequired()
    if category not in ComplaintCategory.values:
        raise InvalidInput(_("Choose a category."), code="category_invalid")
    if severity not in Severity.values:
        raise InvalidInput(_("Choose a severity."), code="severity_invalid")
    text = _text(text, 2000, required=True, code="text_required")
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        raise UploadInvalid(_("At most %(n)d photos.") % {"n": MAX_PHOTOS}, detail={"max": MAX_PHOTOS})
    checked = [_photo_checked(p) for p in photos]
    node = None
    if subject == ComplaintSubject.SUPPLIER:
        if order is not None:
            if not suppliers.orders_visible_to(actor, Perm.COMPLAINTS_HANDLE).filter(pk=order.pk).exists():
                raise NotFound()
            supplier, node = order.supplier, order.station
        if supplier is None:
            raise SubjectRequired()
        if node is None:
            if not (suppliers.suppliers_visible_to(actor, Perm.COMPLAINTS_HANDLE).filter(pk=supplier.pk).exists()
                    or suppliers.orders_visible_to(actor, Perm.COMPLAINTS_HANDLE).filter(supplier=supplier).exists()
                    or (complainant.node is not None and suppliers.serves(supplier, complainant.node))):
                raise NotFound()
            node = complainant.node if complainant.node and complainant.bank_id == supplier.bank_id else supplier.node
    elif subject == ComplaintSubject.RECORD:
        if assignment is None:
            raise SubjectRequired()
        if not demands_visible_to(actor).filter(pk=assignment.demand_id).exists():
            raise NotFound()
        if not (assignment.volunteer_id == actor.pk or acts_for_demand(actor, assignment.demand)
                or has_perm(actor, Perm.COMPLAINTS_HANDLE, assignment.demand.station)):
            raise PermissionDenied()
        volunteer, node = assignment.volunteer, assignment.demand.station
    else:
        if volunteer is None or not volunteer.is_volunteer:
            raise SubjectRequired()
        if volunteer.bank_id != complainant.bank_id:
            raise NotFound()
        node = complainant.node or volunteer.node
    if node is None:
        raise SubjectRequired()
    rules = suppliers.supplier_rules_for(node.bank)
    now = timezone.now()
    saved: list[str] = []  # the photos' files: a failed filing removes them with its rows
    try:
        with transaction.atomic():
            complaint = Complaint.objects.create(
                bank_id=node.bank_id, node=node, owner_node=node, complainant=complainant, filed_by=actor,
                subject=subject, supplier=supplier, volunteer=volunteer, assignment=assignment, order=order,
                category=category, severity=severity, text=text,
                due_at=_add_working_days(now, rules.ack_working_days))
            for photo, content_type in checked:
                saved.append(ComplaintPhoto.objects.create(complaint=complaint, image=photo, content_type=content_type,
                                                           size=photo.size).image.name)
            _step(complaint, "filed", actor)
            audit_record(actor=actor, action="complaint.filed", obj=complaint, node=node,
                         changes={"subject": subject, "category": category,
                                  "supplier": supplier.pk if supplier else None})
    except Exception:
        stored_files_removed(default_storage, saved)
        raise
    return complaint


def _step(complaint: Complaint, action: str, actor, note: str = "") -> None:
    ComplaintStep.objects.create(complaint=complaint, action=action, to_status=complaint.status,
                                 owner_node=complaint.owner_node, due_at=complaint.due_at, note=note[:500],
                                 actor=actor if getattr(actor, "pk", None) else None)


def _lock_complaint(actor, complaint: Complaint) -> Complaint:
    complaint = (Complaint.objects.select_for_update(of=("self",)).select_related("owner_node", "bank", "supplier")
                 .filter(pk=complaint.pk).first())
    if complaint is None:
        raise NotFound()
    if not has_perm(actor, Perm.COMPLAINTS_HANDLE, complaint.owner_node) and not has_perm(
            actor, Perm.COMPLAINTS_HANDLE, complaint.node):
        if selectors.complaints_visible_to(actor).filter(pk=complaint.pk).exists():
            raise PermissionDenied()
        raise NotFound()
    return complaint


def complaint_accept(*, actor: Person, complaint: Complaint, note: str = "") -> Complaint:
    """Acknowledge: the handler takes ownership; the resolve deadline starts."""
    with transaction.atomic():
        complaint = _lock_complaint(actor, complaint)
        if complaint.status != ComplaintStatus.RECEIVED:
            raise InvalidTransition()
        rules = suppliers.supplier_rules_for(complaint.bank)
        complaint.status, complaint.owner, complaint.accepted_at = ComplaintStatus.ACCEPTED, actor, timezone.now()
        complaint.due_at = timezone.now() + dt.timedelta(days=rules.resolve_days)
        complaint.save(update_fields=["status", "owner", "accepted_at", "due_at"])
        _step(complaint, "accepted", actor, _text(note, 500))
        audit_record(actor=actor, action="complaint.accepted", obj=complaint)
    return complaint


def complaint_reject(*, actor: Person, complaint: Complaint, reason: str) -> Complaint:
    reason = _text(reason, 300)
    if not reason:
        raise ReasonRequired()
    with transaction.atomic():
        complaint = _lock_complaint(actor, complaint)
        if complaint.status != ComplaintStatus.RECEIVED:
            raise InvalidTransition()
        complaint.status, complaint.owner, complaint.reject_reason = ComplaintStatus.REJECTED, actor, reason
        complaint.resolved_at = timezone.now()
        complaint.save(update_fields=["status", "owner", "reject_reason", "resolved_at"])
        _step(complaint, "rejected", actor, reason)
        audit_record(actor=actor, action="complaint.rejected", obj=complaint, changes={"reason": reason})
        _tell([complaint.complainant], _("Your complaint #%(id)s was not accepted: %(reason)s") % {
            "id": complaint.pk, "reason": reason})
    return complaint


def complaint_investigate(*, actor: Person, complaint: Complaint, note: str = "") -> Complaint:
    with transaction.atomic():
        complaint = _lock_complaint(actor, complaint)
        if complaint.status != ComplaintStatus.ACCEPTED:
            raise InvalidTransition()
        complaint.status, complaint.owner = ComplaintStatus.INVESTIGATING, actor
        complaint.save(update_fields=["status", "owner"])
        _step(complaint, "investigating", actor, _text(note, 500))
        audit_record(actor=actor, action="complaint.investigating", obj=complaint)
    return complaint


def complaint_resolve(*, actor: Person, complaint: Complaint, outcome: str, upheld: bool,
                      severity: str | None = None, suspend_volunteer: bool = False,
                      correct_transfer_id: int | None = None, correct_minutes: int | None = None) -> Complaint:
    """Close with an outcome. An upheld complaint about a supplier moves its score by severity; an
    upheld one may also suspend the volunteer (through the people service) and correct one of the
    coin movements it is about (a correction request through the ledger service). All or nothing."""
    outcome = _text(outcome, 2000, required=True, code="outcome_required")
    if severity is not None and severity not in Severity.values:
        raise InvalidInput(_("Choose a severity."), code="severity_invalid")
    if (suspend_volunteer or correct_transfer_id) and not upheld:
        raise InvalidInput(_("Only an upheld complaint can suspend a volunteer or correct coins."),
                           code="outcome_needs_upheld")
    with transaction.atomic():
        complaint = _lock_complaint(actor, complaint)
        if complaint.status not in (ComplaintStatus.ACCEPTED, ComplaintStatus.INVESTIGATING):
            raise InvalidTransition()
        complaint.status, complaint.outcome, complaint.upheld = ComplaintStatus.RESOLVED, outcome, bool(upheld)
        complaint.severity = severity or complaint.severity
        complaint.resolved_at, complaint.owner = timezone.now(), actor
        if suspend_volunteer:
            _suspend_volunteer(actor, complaint)
        if correct_transfer_id:
            _correct_coins(actor, complaint, correct_transfer_id, correct_minutes, outcome)
        complaint.save(update_fields=["status", "outcome", "upheld", "severity", "resolved_at", "owner",
                                      "volunteer_suspended", "correction"])
        _step(complaint, "resolved", actor, outcome)
        audit_record(actor=actor, action="complaint.resolved", obj=complaint,
                     changes={"upheld": bool(upheld), "severity": complaint.severity,
                              "volunteer_suspended": complaint.volunteer_suspended,
                              "correction": complaint.correction_id})
        if upheld and complaint.supplier_id:
            rules = suppliers.supplier_rules_for(complaint.bank)
            score_apply(supplier=complaint.supplier, reason=ScoreReason.COMPLAINT,
                        delta=getattr(rules, f"score_complaint_{complaint.severity}"), link=complaint, actor=actor,
                        note=outcome[:300])
        _tell([complaint.complainant], _("Your complaint #%(id)s is resolved.") % {"id": complaint.pk})
    return complaint


def _suspend_volunteer(actor: Person, complaint: Complaint) -> None:
    from timebank.people.models import PersonStatus
    from timebank.people.services import person_update

    if not complaint.volunteer_id:
        raise InvalidInput(_("This complaint is not about a volunteer."), code="no_volunteer")
    volunteer = complaint.volunteer
    if volunteer.status != PersonStatus.SUSPENDED:
        try:
            person_update(actor=actor, person=volunteer, status=PersonStatus.SUSPENDED)
        except (NotFound, PermissionDenied):
            raise PermissionDenied(_("You may not suspend this volunteer."), code="suspend_not_allowed") from None
    complaint.volunteer_suspended = True
    audit_record(actor=actor, action="complaint.volunteer_suspended", obj=complaint,
                 changes={"volunteer": volunteer.pk})


def _correct_coins(actor: Person, complaint: Complaint, transfer_id, minutes, outcome: str) -> None:
    original = selectors.complaint_transfers(complaint).filter(pk=transfer_id).first() if str(
        transfer_id).isdigit() else None
    if original is None:
        raise InvalidInput(_("Choose one of the coin movements this complaint is about."),
                           code="correction_transfer_invalid")
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0):
        raise InvalidInput(_("Give the minutes to correct as a whole positive number."), code="amount_invalid")
    try:
        request = ledger.correction_request(actor=actor, original=original, amount=minutes,
                                            reason=f"#{complaint.pk} {outcome}"[:200])
    except NotFound:
        raise PermissionDenied(_("You may not correct coins here."), code="correction_not_allowed") from None
    complaint.correction = request
    audit_record(actor=actor, action="complaint.correction_requested", obj=complaint,
                 changes={"transfer": original.pk, "minutes": request.amount, "correction": request.pk})


def complaints_escalate(now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Worker: an open complaint past its step's deadline moves to the next node up, with a new
    deadline of the same length. Running it twice at the same moment changes nothing more."""
    now = now or timezone.now()
    count = 0
    due = list(Complaint.objects.filter(status__in=OPEN_COMPLAINT, due_at__lte=now).order_by("id")
               .values_list("pk", flat=True)[:limit])
    for pk in due:
        with transaction.atomic():
            complaint = (Complaint.objects.select_for_update(of=("self",)).select_related("owner_node__parent", "bank")
                         .get(pk=pk))
            if complaint.status not in OPEN_COMPLAINT or complaint.due_at > now:
                continue
            rules = suppliers.supplier_rules_for(complaint.bank)
            parent = complaint.owner_node.parent
            if complaint.owner_node.kind != NodeKind.BANK and parent is not None:
                complaint.owner_node = parent
            if complaint.status == ComplaintStatus.RECEIVED:
                complaint.due_at = _add_working_days(now, rules.ack_working_days)
            else:
                complaint.due_at = now + dt.timedelta(days=rules.resolve_days)
            complaint.escalations += 1
            complaint.save(update_fields=["owner_node", "due_at", "escalations"])
            _step(complaint, "escalated", None)
            audit_record(actor=None, action="complaint.escalated", obj=complaint, node=complaint.owner_node,
                         changes={"owner_node": complaint.owner_node_id})
            count += 1
    return count
