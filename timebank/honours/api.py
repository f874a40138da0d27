"""Honours endpoints: a volunteer's service-record certificate, and corrections of the record."""
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status

from timebank.lib.errors import InvalidInput, NotFound
from timebank.orgs.roles import Perm
from timebank.people.access import access_person

from . import selectors, services
from .schemas import (
    RecordCertificateIn,
    RecordCertificateOut,
    RecordCorrectionDecisionIn,
    RecordCorrectionIn,
    RecordCorrectionOut,
)

router = Router(tags=["honours"])


@router.post("/people/{person_id}/record-certificates", response={201: RecordCertificateOut},
             summary="Certify a volunteer's recorded hours (staff who keep the volunteer register)")
def record_certificate_issue(request, person_id: int, payload: RecordCertificateIn):
    actor = request.auth
    person = access_person(actor, person_id, for_=Perm.PEOPLE_VIEW)
    if not selectors.may_certify(actor, person):
        raise NotFound()
    return Status(201, services.record_certificate_issue(actor=actor, person=person,
                                                         person_in_charge=payload.person_in_charge,
                                                         contact=payload.contact))


@router.post("/record-corrections", response={201: RecordCorrectionOut},
             summary="A volunteer asks for a wrong or missing service record to be corrected")
def record_correction_request(request, payload: RecordCorrectionIn):
    actor = request.auth
    assignment = None
    if payload.assignment_id:
        assignment = selectors.served_records(actor).filter(pk=payload.assignment_id).first()
        if assignment is None:  # as the page's choice list: only services on your own record
            raise InvalidInput(_("That service is not on your record."), code="assignment_not_on_record")
    return Status(201, services.correction_request(actor=actor, description=payload.description,
                                                   assignment=assignment))


@router.post("/record-corrections/{correction_id}/decision", response=RecordCorrectionOut,
             summary="The station decides on a record correction (staff who manage demands)")
def record_correction_decide(request, correction_id: int, payload: RecordCorrectionDecisionIn):
    correction = selectors.correction_get(request.auth, correction_id)
    return services.correction_decide(actor=request.auth, correction=correction, accept=payload.decision == "accept",
                                      note=payload.note)
