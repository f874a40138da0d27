"""Reads of courses, sessions and certificates, scoped to what the actor may see."""
import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from timebank.lib.errors import NotFound
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, scope_q
from timebank.people.models import Person
from timebank.training.models import TrainingRules

from .models import Certificate, Course, Session, Signup, SignupStatus

MANAGE = Perm.VOLUNTEERS_APPROVE  # trainers are the staff who approve volunteers


def ancestor_paths(person: Person) -> list[str]:
    """The paths of the person's home node and every node above it ("/1/4/17/" → "/1/", "/1/4/", ...)."""
    node = getattr(person, "node", None)
    if node is None:
        return []
    parts = [p for p in node.path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def area_q(person: Person, path_field: str = "node__path") -> Q:
    """Nodes a member reaches: above their home node, and anywhere in their home branch."""
    paths = ancestor_paths(person)
    if not paths:
        return Q(pk__in=[])
    q = Q(**{f"{path_field}__in": paths})
    if len(paths) >= 3:  # platform, bank, branch, ...: the branch is the third
        q |= Q(**{f"{path_field}__startswith": paths[2]})
    return q


def may_manage(actor, node) -> bool:
    return has_perm(actor, MANAGE, node)


def courses_visible_to(actor) -> QuerySet[Course]:
    """Courses run above or at the actor's home node (what they can take), and those in their staff reach."""
    q = scope_q(actor, MANAGE, "node__path")
    paths = ancestor_paths(actor)
    if paths:
        q |= Q(node__path__in=paths, bank_id=actor.bank_id)
    return Course.objects.filter(q).select_related("node")


def sessions_visible_to(actor) -> QuerySet[Session]:
    q = scope_q(actor, MANAGE, "node__path") | (area_q(actor) & Q(course__bank_id=actor.bank_id))
    return Session.objects.filter(q).select_related("course", "node")


def session_get(actor, session_id) -> Session:
    try:
        return sessions_visible_to(actor).get(pk=int(session_id))
    except (Session.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def upcoming_sessions(actor, *, course: Course | None = None) -> QuerySet[Session]:
    sessions = sessions_visible_to(actor).filter(cancelled_at__isnull=True, ends_at__gt=timezone.now())
    if course is not None:
        sessions = sessions.filter(course=course)
    return sessions.order_by("starts_at", "id")


def signup_of(person: Person, session: Session) -> Signup | None:
    return Signup.objects.filter(session=session, person=person).first()


def signups_of_session(session: Session) -> QuerySet[Signup]:
    return (Signup.objects.filter(session=session).exclude(status=SignupStatus.CANCELLED)
            .select_related("person").order_by("person__name", "id"))


def signups_of(person: Person) -> QuerySet[Signup]:
    return (Signup.objects.filter(person=person).exclude(status=SignupStatus.CANCELLED)
            .select_related("session", "session__course").order_by("-session__starts_at"))


def certificates_of(person: Person) -> QuerySet[Certificate]:
    return Certificate.objects.filter(person=person).select_related("course").order_by("-issued_at", "-id")


def certificates_in_force(person: Person, at: dt.datetime | None = None) -> QuerySet[Certificate]:
    at = at or timezone.now()
    return certificates_of(person).filter(revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=at))


def certificate_codes_held(person: Person, at: dt.datetime | None = None) -> set[str]:
    """The course codes of the person's certificates in force: what service types ask for."""
    return set(certificates_in_force(person, at).values_list("course__code", flat=True))


def holders_of(code: str, person_ids, at: dt.datetime | None = None) -> set[int]:
    """Which of these people hold a certificate in force for the course `code`, in one query."""
    at = at or timezone.now()
    return set(Certificate.objects.filter(person_id__in=list(person_ids), course__code=code, revoked_at__isnull=True)
               .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at)).values_list("person_id", flat=True))


def orientation_done(person: Person) -> bool:
    """True unless the bank requires an orientation course and the person has neither completed it
    (ever: orientation is once) nor served before the rule came in."""
    if person.bank_id is None:
        return True
    code = TrainingRules.in_force(person.bank).orientation_course_code
    if not code:
        return True
    if Certificate.objects.filter(person=person, course__bank_id=person.bank_id, course__code=code,
                                  revoked_at__isnull=True).exists():
        return True
    from timebank.demands.models import Assignment, AssignmentStatus

    return Assignment.objects.filter(volunteer=person).exclude(status=AssignmentStatus.CANCELLED).exists()
