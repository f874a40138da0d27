"""Every write of training: courses, sessions, sign-ups (capacity kept under the session's row
lock), attendance and the certificates it issues, and expiry reminders."""
import datetime as dt
import secrets

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from timebank.audit.services import audit_record
from timebank.lib.errors import InvalidInput, NotFound
from timebank.notices.models import NoticeKind
from timebank.notices.services import notice_send
from timebank.orgs.models import Node
from timebank.people.models import Person, VolunteerStatus
from timebank.training.models import TrainingRules

from . import selectors
from .exceptions import (
    AlreadySignedUp,
    CheckInCodeWrong,
    CheckInNotOpen,
    CourseCodeTaken,
    NotAVolunteer,
    NotSignedUp,
    SessionClosed,
    SessionFull,
)
from .models import Certificate, Course, CourseKind, Session, Signup, SignupStatus

CHECK_IN_EARLY = dt.timedelta(minutes=30)


def _months_later(moment: dt.datetime, months: int) -> dt.datetime:
    local = timezone.localtime(moment)
    year, month = divmod(local.month - 1 + months, 12)
    year, month = local.year + year, month + 1
    day = min(local.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30,
                          31, 31, 30, 31, 30, 31][month - 1])
    return local.replace(year=year, month=month, day=day)


def course_create(*, actor: Person, node: Node, code: str, name: str, kind: str = CourseKind.GENERAL,
                  valid_months: int = 24, description: str = "") -> Course:
    if not selectors.may_manage(actor, node):
        raise NotFound()
    code, name = (code or "").strip(), (name or "").strip()
    if not code or not name or kind not in CourseKind.values or not (0 <= int(valid_months) <= 600):
        raise InvalidInput()
    try:
        with transaction.atomic():
            course = Course.objects.create(bank_id=node.bank_id, node=node, code=code[:40], name=name[:80], kind=kind,
                                           valid_months=valid_months, description=description or "",
                                           created_by=actor)
            audit_record(actor=actor, action="training.course_created", obj=course, node=node,
                         changes={"code": course.code, "name": course.name})
    except IntegrityError:
        raise CourseCodeTaken() from None
    return course


def session_create(*, actor: Person, course: Course, node: Node, starts_at: dt.datetime, ends_at: dt.datetime,
                   place: str, capacity: int) -> Session:
    if not selectors.may_manage(actor, node) or node.bank_id != course.bank_id:
        raise NotFound()
    if not course.node.path or not node.path.startswith(course.node.path):
        raise InvalidInput(_("A session is held at the course's unit or below it."), code="session_node_invalid")
    if ends_at <= starts_at or starts_at <= timezone.now():
        raise InvalidInput(_("A session starts in the future and ends after it starts."), code="times_invalid")
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not 1 <= capacity <= 10_000:
        raise InvalidInput(_("The capacity is between 1 and 10,000."), code="capacity_invalid")
    with transaction.atomic():
        session = Session.objects.create(course=course, node=node, starts_at=starts_at, ends_at=ends_at,
                                         place=(place or "").strip()[:200], capacity=capacity,
                                         check_in_code=f"{secrets.randbelow(10**6):06d}", created_by=actor)
        audit_record(actor=actor, action="training.session_created", obj=session, node=node, bank=node.bank,
                     changes={"course": course.pk, "capacity": capacity})
    return session


def _lock_session(session_id: int) -> Session:
    session = Session.objects.select_for_update(of=("self",)).select_related("course", "node").filter(
        pk=session_id).first()
    if session is None:
        raise NotFound()
    return session


def session_signup(*, actor: Person, session: Session) -> Signup:
    """A volunteer takes a place. The session row is locked, so the capacity is never exceeded."""
    if actor.volunteer_status != VolunteerStatus.APPROVED:
        raise NotAVolunteer()
    with transaction.atomic():
        session = _lock_session(session.pk)
        if not selectors.sessions_visible_to(actor).filter(pk=session.pk).exists():
            raise NotFound()
        if session.cancelled_at is not None or session.starts_at <= timezone.now():
            raise SessionClosed()
        existing = Signup.objects.select_for_update().filter(session=session, person=actor).first()
        if existing is not None and existing.status != SignupStatus.CANCELLED:
            raise AlreadySignedUp()
        if session.signed_up_count >= session.capacity:
            raise SessionFull(detail={"capacity": session.capacity})
        if existing is not None:
            existing.status, existing.signed_up_at = SignupStatus.SIGNED_UP, timezone.now()
            existing.save(update_fields=["status", "signed_up_at"])
            signup = existing
        else:
            signup = Signup.objects.create(session=session, person=actor)
        Session.objects.filter(pk=session.pk).update(signed_up_count=F("signed_up_count") + 1)
        audit_record(actor=actor, action="training.signed_up", obj=signup, node=session.node, bank=session.node.bank)
    return signup


def signup_cancel(*, actor: Person, session: Session) -> Signup:
    with transaction.atomic():
        session = _lock_session(session.pk)
        signup = Signup.objects.select_for_update().filter(session=session, person=actor).first()
        if signup is None or signup.status != SignupStatus.SIGNED_UP:
            raise NotSignedUp()
        if session.starts_at <= timezone.now():
            raise SessionClosed()
        signup.status = SignupStatus.CANCELLED
        signup.save(update_fields=["status"])
        Session.objects.filter(pk=session.pk).update(signed_up_count=F("signed_up_count") - 1)
        audit_record(actor=actor, action="training.signup_cancelled", obj=signup, node=session.node,
                     bank=session.node.bank)
    return signup


def _issue(signup: Signup, session: Session, actor) -> Certificate:
    now = timezone.now()
    course = session.course
    expires = _months_later(now, course.valid_months) if course.valid_months else None
    existing = Certificate.objects.filter(person_id=signup.person_id, session=session).first()
    if existing is not None:
        return existing
    certificate = Certificate.objects.create(
        number=f"TC{timezone.localtime(now):%Y%m%d}{secrets.token_hex(4).upper()}", bank_id=course.bank_id,
        person_id=signup.person_id, course=course, session=session, issued_at=now, expires_at=expires,
        issued_by=actor if getattr(actor, "pk", None) else None)
    audit_record(actor=actor, action="training.certificate_issued", obj=certificate, node=session.node,
                 bank=session.node.bank, changes={"person": signup.person_id, "course": course.code})
    return certificate


def attendance_mark(*, actor: Person, session: Session, person: Person) -> Certificate:
    """Staff record that `person` attended: completing the course issues the certificate."""
    with transaction.atomic():
        session = _lock_session(session.pk)
        if not selectors.may_manage(actor, session.node):
            raise NotFound()
        if session.cancelled_at is not None:
            raise SessionClosed()
        signup = Signup.objects.select_for_update().filter(session=session, person=person).first()
        if signup is None or signup.status == SignupStatus.CANCELLED:
            raise NotSignedUp()
        if signup.status != SignupStatus.ATTENDED:
            signup.status, signup.attended_at, signup.marked_by = SignupStatus.ATTENDED, timezone.now(), actor
            signup.save(update_fields=["status", "attended_at", "marked_by"])
        return _issue(signup, session, actor)


def session_check_in(*, actor: Person, session: Session, code: str) -> Certificate:
    """The volunteer types the code shown in the room (from 30 minutes before until the end)."""
    with transaction.atomic():
        session = _lock_session(session.pk)
        signup = Signup.objects.select_for_update().filter(session=session, person=actor).first()
        if signup is None or signup.status == SignupStatus.CANCELLED:
            raise NotSignedUp()
        now = timezone.now()
        if session.cancelled_at is not None or not (session.starts_at - CHECK_IN_EARLY <= now <= session.ends_at):
            raise CheckInNotOpen()
        if not secrets.compare_digest((code or "").strip(), session.check_in_code):
            raise CheckInCodeWrong()
        if signup.status != SignupStatus.ATTENDED:
            signup.status, signup.attended_at = SignupStatus.ATTENDED, now
            signup.save(update_fields=["status", "attended_at"])
        return _issue(signup, session, actor)


def certificates_remind(now: dt.datetime | None = None, limit: int = 5000) -> int:
    """Tell each volunteer once that a certificate expires within the bank's reminder period."""
    now = now or timezone.now()
    count = 0
    bank_ids = (Certificate.objects.filter(reminded_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)
                .values_list("bank_id", flat=True).distinct())
    for bank_id in sorted(set(bank_ids)):
        days = TrainingRules.in_force(Node.objects.get(pk=bank_id)).certificate_reminder_days
        if not days:
            continue
        due = list(Certificate.objects.filter(bank_id=bank_id, reminded_at__isnull=True, revoked_at__isnull=True,
                                              expires_at__gt=now, expires_at__lte=now + dt.timedelta(days=days))
                   .select_related("course").order_by("id")[:limit])
        for certificate in due:
            with transaction.atomic():
                if Certificate.objects.filter(pk=certificate.pk, reminded_at__isnull=True).update(reminded_at=now):
                    text = _("%(course)s, certificate %(number)s, expires on %(date)s") % {
                        "course": certificate.course.name, "number": certificate.number,
                        "date": timezone.localtime(certificate.expires_at).date().isoformat()}
                    notice_send(people=[certificate.person_id], kind=NoticeKind.CERTIFICATE_EXPIRING, text=text,
                                subject=("certificate", certificate.pk))
                    count += 1
    return count
