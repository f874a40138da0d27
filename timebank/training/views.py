"""Training pages. Volunteers: the courses they can take with upcoming sessions, a session with
sign-up, cancel and check-in by code, and their certificates with expiry. Staff (trainers): new
courses and sessions, and the attendance sheet that issues certificates. Every write calls a service."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from timebank.lib.errors import DomainError, NotFound
from timebank.lib.masking import mask_mobile
from timebank.lib.pages import act_on_object, pdf_inline, refusals_shown_on, signed_in_page, signed_in_post
from timebank.lib.pdf import table_document
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, nodes_visible_to, scope_q
from timebank.people.access import access_person
from timebank.people.models import Person

from . import selectors, services
from .forms import CheckInForm, CourseForm, SessionForm
from .models import Course, SignupStatus

COURSE_FIELDS = {"course_code_taken": "code"}
SESSION_FIELDS = {"session_node_invalid": "node", "times_invalid": "day", "capacity_invalid": "capacity"}


def _is_trainer(actor) -> bool:
    return has_perm(actor, selectors.MANAGE)


@login_required
def courses(request):
    actor = request.user
    rows = []
    for course in selectors.courses_visible_to(actor).filter(is_active=True).order_by("kind", "name", "id"):
        rows.append((course, list(selectors.upcoming_sessions(actor, course=course)[:10])))
    return render(request, "training/courses.html", {
        "rows": rows, "trainer": _is_trainer(actor),
        "mine": {s.session_id: s for s in selectors.signups_of(actor)},
    })


@login_required
def course_new(request):
    actor = request.user
    if not _is_trainer(actor):
        raise Http404()
    form = CourseForm(request.POST or None,
                      nodes=nodes_visible_to(actor, selectors.MANAGE).filter(is_closed=False).order_by("path"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusals_shown_on(form, COURSE_FIELDS):
            course = services.course_create(actor=actor, node=data["node"], code=data["code"], name=data["name"],
                                             kind=data["kind"], valid_months=data["valid_months"],
                                             description=data["description"])
            messages.success(request, _("Course %(name)s is set up.") % {"name": course.name})
            return redirect("training:session_new")
    return render(request, "training/form.html", {"form": form, "title": _("New course")},
                  status=422 if form.errors else 200)


@login_required
def session_new(request):
    actor = request.user
    if not _is_trainer(actor):
        raise Http404()
    courses_in_reach = Course.objects.filter(scope_q(actor, selectors.MANAGE, "node__path"),
                                             is_active=True).order_by("name", "id")
    form = SessionForm(request.POST or None, courses=courses_in_reach,
                       nodes=nodes_visible_to(actor, selectors.MANAGE).filter(is_closed=False).order_by("path"),
                       initial={"course": request.GET.get("course")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusals_shown_on(form, SESSION_FIELDS):
            session = services.session_create(actor=actor, course=data["course"], node=data["node"],
                                              starts_at=data["starts_at"], ends_at=data["ends_at"],
                                              place=data["place"], capacity=data["capacity"])
            messages.success(request, _("The session is planned."))
            return redirect("training:session", pk=session.pk)
    return render(request, "training/form.html", {"form": form, "title": _("New session")},
                  status=422 if form.errors else 200)


@signed_in_page
def session_detail(request, pk: int):
    actor = request.user
    session = selectors.session_get(actor, pk)
    signup = selectors.signup_of(actor, session)
    now = timezone.now()
    return render(request, "training/session.html", {
        "session": session, "signup": signup if signup and signup.status != SignupStatus.CANCELLED else None,
        "trainer": selectors.may_manage(actor, session.node),
        "open": session.cancelled_at is None and session.starts_at > now,
        "check_in_open": session.cancelled_at is None
        and session.starts_at - services.CHECK_IN_EARLY <= now <= session.ends_at,
        "check_in_form": CheckInForm(),
    })


def _session_action(request, pk: int, action, success: str):
    return act_on_object(request, selectors.session_get, pk, action, success, "training:session")


@signed_in_post
def session_signup(request, pk: int):
    return _session_action(request, pk, lambda actor, s: services.session_signup(actor=actor, session=s),
                           _("You have a place in this session."))


@signed_in_post
def session_cancel(request, pk: int):
    return _session_action(request, pk, lambda actor, s: services.signup_cancel(actor=actor, session=s),
                           _("Your place is given back."))


@signed_in_post
def session_check_in(request, pk: int):
    form = CheckInForm(request.POST)
    code = form.cleaned_data["code"] if form.is_valid() else ""
    return _session_action(request, pk, lambda actor, s: services.session_check_in(actor=actor, session=s, code=code),
                           _("You are checked in. Your certificate is issued."))


@signed_in_page
def attendance(request, pk: int):
    """The trainer ticks who came; each ticked person gets the course's certificate."""
    actor = request.user
    session = selectors.session_get(actor, pk)
    if not selectors.may_manage(actor, session.node):
        raise Http404()
    signups = list(selectors.signups_of_session(session))
    if request.method == "POST":
        chosen = {int(v) for v in request.POST.getlist("attended") if v.isdigit()}
        issued, errors = 0, []
        for signup in signups:
            if signup.person_id in chosen and signup.status != SignupStatus.ATTENDED:
                try:
                    services.attendance_mark(actor=actor, session=session, person=signup.person)
                    issued += 1
                except NotFound:
                    raise Http404() from None
                except DomainError as err:
                    errors.append(f"{signup.person.name}: {err.message}")
        for error in errors:
            messages.error(request, error)
        messages.success(request, _("%(count)s certificates issued.") % {"count": issued})
        return redirect("training:attendance", pk=session.pk)
    return render(request, "training/attendance.html", {"session": session, "signups": signups})


@signed_in_page
def certificates(request, person_pk: int | None = None):
    actor = request.user
    person: Person = actor if person_pk is None else access_person(actor, person_pk, for_=Perm.PEOPLE_VIEW)
    now = timezone.now()
    return render(request, "training/certificates.html", {
        "person": person, "is_self": person.pk == actor.pk, "now": now,
        "rows": [(c, c.in_force(now)) for c in selectors.certificates_of(person)],
        "signups": selectors.signups_of(person).filter(session__ends_at__gt=now) if person.pk == actor.pk else [],
    })


@signed_in_page
def attendance_sheet(request, pk: int):
    """The session's attendance sheet on A4: who signed up, a column to sign, the trainer's block."""
    actor = request.user
    session = selectors.session_get(actor, pk)
    if not selectors.may_manage(actor, session.node):
        raise Http404()
    signups = [s for s in selectors.signups_of_session(session) if s.status != SignupStatus.CANCELLED]
    start = timezone.localtime(session.starts_at)
    pdf = table_document(
        title=_("Attendance sheet: %(course)s") % {"course": session.course.name}, min_lines=2,
        lines=[f"{session.node.name} · {start:%Y-%m-%d %H:%M}–{timezone.localtime(session.ends_at):%H:%M}"
               + (f" · {session.place}" if session.place else ""),
               _("As of %(when)s · made by %(name)s · reviewed by: ________")
               % {"when": f"{timezone.localtime(timezone.now()):%Y-%m-%d %H:%M}", "name": actor.name}],
        columns=[("#", 3), (_("Name"), 14), (_("Mobile"), 12), (_("Status"), 12), (_("Signature"), 18)],
        rows=[[str(i), s.person.name, mask_mobile(s.person.mobile or ""), s.get_status_display(), ""]
              for i, s in enumerate(signups, 1)] or [["", _("Nobody has signed up."), "", "", ""]],
        footer=_("Trainer: ____________   Date: ____________"))
    return pdf_inline(pdf, f"session-{session.pk}-attendance.pdf")
