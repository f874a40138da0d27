"""Training endpoints: courses, signing up for a session, a person's certificates."""
from django.db import transaction
from ninja import Router, Status
from ninja.pagination import paginate

from timebank.lib.errors import DomainError, NotFound
from timebank.lib.pagination import Pages
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import node_get, scope_q
from timebank.people.access import access_person

from . import selectors, services
from .exceptions import NotSignedUp
from .models import Course, SignupStatus
from .schemas import (
    AttendanceIn,
    CertificateOut,
    CourseIn,
    CourseOut,
    SessionCheckInIn,
    SessionIn,
    SessionOut,
    SessionSignupOut,
)

router = Router(tags=["training"])


@router.get("/courses", response=list[CourseOut], summary="Courses the caller can take or runs")
@paginate(Pages)
def course_list(request):
    return selectors.courses_visible_to(request.auth).filter(is_active=True).order_by("id")


@router.post("/sessions/{session_id}/signup", response={201: SessionSignupOut}, summary="Sign up for a session")
def session_signup(request, session_id: int):
    session = selectors.session_get(request.auth, session_id)
    return Status(201, services.session_signup(actor=request.auth, session=session))


@router.get("/people/{person_id}/certificates", response=list[CertificateOut], summary="A person's certificates")
@paginate(Pages)
def certificate_list(request, person_id: int):
    person = access_person(request.auth, person_id, for_=Perm.PEOPLE_VIEW)
    return selectors.certificates_of(person)


@router.post("/sessions/{session_id}/cancel-signup", response=SessionSignupOut,
             summary="Give your place in a session back")
def session_cancel_signup(request, session_id: int):
    session = selectors.session_get(request.auth, session_id)
    return services.signup_cancel(actor=request.auth, session=session)


@router.post("/sessions/{session_id}/check-in", response=CertificateOut,
             summary="Check in with the code shown in the room: attending issues the course's certificate")
def session_check_in(request, session_id: int, payload: SessionCheckInIn):
    session = selectors.session_get(request.auth, session_id)
    return services.session_check_in(actor=request.auth, session=session, code=payload.code)


@router.post("/sessions/{session_id}/attendance", response=list[CertificateOut],
             summary="The trainer records who came (all or none; a refusal names the person in its detail)")
def session_attendance(request, session_id: int, payload: AttendanceIn):
    actor = request.auth
    session = selectors.session_get(actor, session_id)
    if not selectors.may_manage(actor, session.node):
        raise NotFound()
    signups = {s.person_id: s for s in selectors.signups_of_session(session)}
    issued = []
    with transaction.atomic():
        for person_id in dict.fromkeys(payload.person_ids):
            signup = signups.get(person_id)
            try:
                if signup is None or signup.status == SignupStatus.CANCELLED:
                    raise NotSignedUp()
                issued.append(services.attendance_mark(actor=actor, session=session, person=signup.person))
            except DomainError as err:
                err.detail = {**(err.detail or {}), "person_id": person_id}
                raise
    return issued


@router.post("/courses", response={201: CourseOut}, summary="Set up a course at a unit in your reach (trainers)")
def course_create(request, payload: CourseIn):
    actor = request.auth
    node = node_get(actor, payload.node_id, selectors.MANAGE)
    return Status(201, services.course_create(actor=actor, node=node, code=payload.code, name=payload.name,
                                              kind=payload.kind, valid_months=payload.valid_months,
                                              description=payload.description))


@router.post("/sessions", response={201: SessionOut}, summary="Plan a session of a course (trainers)")
def session_create(request, payload: SessionIn):
    actor = request.auth
    course = Course.objects.filter(scope_q(actor, selectors.MANAGE, "node__path"), is_active=True,
                                   pk=payload.course_id).first()
    if course is None:
        raise NotFound()
    node = node_get(actor, payload.node_id, selectors.MANAGE)
    return Status(201, services.session_create(actor=actor, course=course, node=node, starts_at=payload.starts_at,
                                               ends_at=payload.ends_at, place=payload.place,
                                               capacity=payload.capacity))
