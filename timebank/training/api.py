"""Training endpoints: courses, signing up for a session, a person's certificates."""
from ninja import Router, Status
from ninja.pagination import paginate

from timebank.lib.pagination import Pages
from timebank.orgs.roles import Perm
from timebank.people.access import access_person

from . import selectors, services
from .schemas import CertificateOut, CourseOut, SessionSignupOut

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
