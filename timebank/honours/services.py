"""Writes of honours: issuing a service record certificate and deciding correction requests."""
import secrets

from django.db import transaction
from django.utils import timezone

from timebank.audit.services import audit_record
from timebank.demands.models import Assignment
from timebank.lib.errors import NotFound
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, nodes_with
from timebank.people.models import Person

from . import selectors
from .exceptions import CorrectionNotPending, DescriptionRequired
from .models import CorrectionStatus, RecordCertificate, RecordCorrection

CERTIFY = Perm.PEOPLE_EDIT  # who may issue a service-record certificate in the organisation's name


def record_certificate_issue(*, actor: Person, person: Person, person_in_charge: str = "",
                             contact: str = "") -> RecordCertificate:
    """Staff of the volunteer's organisation certify the hours recorded so far: those who keep its
    register (people.edit), not roles that only read it (the auditor, medical staff)."""
    if person.node is None or not has_perm(actor, CERTIFY, person.node):
        raise NotFound()
    issuer = next((n for n in nodes_with(actor, CERTIFY) if person.node.path.startswith(n.path)),
                  person.node)
    with transaction.atomic():
        now = timezone.now()
        certificate = RecordCertificate.objects.create(
            number=f"VR{timezone.localtime(now):%Y%m%d}{secrets.token_hex(4).upper()}", bank_id=person.bank_id,
            person=person, issuer=issuer, person_in_charge=(person_in_charge or "").strip()[:50], handler=actor,
            contact=(contact or actor.mobile or "").strip()[:50], total_minutes=selectors.served_minutes(person),
            summary={"years": selectors.summary_by_year_and_type(person)}, issued_at=now)
        audit_record(actor=actor, action="honours.record_certificate_issued", obj=certificate, node=issuer,
                     bank=person.bank, changes={"person": person.pk, "minutes": certificate.total_minutes})
    return certificate


def correction_request(*, actor: Person, description: str, assignment: Assignment | None = None) -> RecordCorrection:
    """A volunteer asks for a wrong (or missing) record to be corrected."""
    description = (description or "").strip()
    if not description:
        raise DescriptionRequired()
    if assignment is not None and assignment.volunteer_id != actor.pk:
        raise NotFound()
    node = assignment.demand.station if assignment is not None else actor.node
    if node is None:
        raise NotFound()
    with transaction.atomic():
        correction = RecordCorrection.objects.create(bank_id=node.bank_id, node=node, person=actor,
                                                     assignment=assignment, description=description[:2000])
        audit_record(actor=actor, action="honours.correction_requested", obj=correction, node=node, bank=node.bank)
    return correction


def correction_decide(*, actor: Person, correction: RecordCorrection, accept: bool, note: str = "") -> RecordCorrection:
    with transaction.atomic():
        correction = RecordCorrection.objects.select_for_update().select_related("node").filter(pk=correction.pk).first()
        if correction is None or not has_perm(actor, Perm.DEMANDS_MANAGE, correction.node):
            raise NotFound()
        if correction.status != CorrectionStatus.PENDING:
            raise CorrectionNotPending()
        correction.status = CorrectionStatus.ACCEPTED if accept else CorrectionStatus.REJECTED
        correction.decided_at, correction.decided_by = timezone.now(), actor
        correction.decision_note = (note or "").strip()[:500]
        correction.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
        audit_record(actor=actor, action="honours.correction_decided", obj=correction, node=correction.node,
                     bank=correction.node.bank, changes={"status": correction.status, "note": correction.decision_note})
    return correction
