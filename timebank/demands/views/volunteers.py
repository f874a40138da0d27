"""Volunteer pages: the feed and the streets it covers, taking a task, my tasks with one big
check-in/out button, giving a place back, and my history."""
import datetime as dt
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from timebank.lib.errors import DomainError, NotFound
from timebank.lib.pages import page_of, safe_next, signed_in_page, signed_in_post
from timebank.lib.week_slots import slot_grid
from timebank.notices.selectors import notice_preference_of
from timebank.notices.services import notice_preference_set
from timebank.orgs.models import NodeKind

from .. import selectors, services
from ..forms import CheckInForm, FeedFilterForm, local_moment
from ..models import Assignment
from .replies import done, refused


@login_required
def feed(request):
    actor = request.user
    types = selectors.service_types_of(actor.bank) if actor.bank_id else selectors.ServiceType.objects.none()
    form = FeedFilterForm(request.GET or None, types=types)
    filters = form.cleaned_data if form.is_valid() else {}
    day = filters.get("day")
    items = selectors.volunteer_feed(
        actor, type_id=filters["type"].pk if filters.get("type") else None,
        date_from=local_moment(day, dt.time()) if day else None,
        date_to=local_moment(day + dt.timedelta(days=1), dt.time()) if day else None,
        radius_km=float(filters["distance"]) if filters.get("distance") else None)
    areas = set(selectors.volunteer_branch_ids(actor))
    return render(request, "demands/feed.html", {
        "form": form, "items": items, "is_volunteer": selectors.is_active_volunteer(actor),
        "branches": [(b, b.pk in areas) for b in selectors.branches_to_opt_into(actor)] if actor.bank_id else [],
        "home_branch": actor.node.parent_id if actor.node and actor.node.kind == NodeKind.STATION else None})


@login_required
@require_POST
def areas(request):
    actor = request.user
    chosen = [int(x) for x in request.POST.getlist("branch") if x.isdigit()]
    home = actor.node.parent_id if actor.node and actor.node.kind == NodeKind.STATION else None
    branches = list(selectors.branches_to_opt_into(actor).filter(pk__in=chosen).exclude(pk=home))
    services.volunteer_areas_set(actor=actor, branches=branches)
    return done(request, _("Saved. You now also see tasks from the streets you chose."), reverse("demands:feed"))


@signed_in_post
def claim(request, pk: int):
    demand = selectors.demand_get(request.user, pk)
    try:
        assignment = services.demand_claim(actor=request.user, demand=demand)
    except DomainError as err:
        if err.status == 404:
            raise
        return refused(request, err, reverse("demands:feed"))
    messages.success(request, _("You took this task. Thank you!"))
    return redirect("demands:task", pk=assignment.pk)


@login_required
def tasks(request):
    live = selectors.assignments_of(request.user, live=True).order_by("starts_at")
    return render(request, "demands/tasks.html", {"assignments": live, "now": timezone.now(),
                                                  "code": _poster_code(request)})


def _poster_code(request) -> str:
    """The station code a check-in poster's QR code carries (?code=), kept only if it looks like one."""
    code = (request.GET.get("code") or "").strip()[:32]
    return code if re.fullmatch(r"[A-Za-z0-9_-]+", code) else ""


@login_required
def history(request):
    past = selectors.assignments_of(request.user, live=False).order_by("-starts_at")
    return render(request, "demands/history.html", {"page": page_of(request, past)})


def _own_assignment(actor, pk: int) -> Assignment:
    assignment = selectors.assignment_get(actor, pk)
    if assignment.volunteer_id != actor.pk and not selectors.is_demand_staff(actor, assignment.demand):
        raise NotFound()
    return assignment


@signed_in_page
def task(request, pk: int):
    assignment = _own_assignment(request.user, pk)
    demand = assignment.demand
    return render(request, "demands/task.html", {
        "assignment": assignment, "demand": demand,
        "form": CheckInForm(initial={"station_code": _poster_code(request)}),
        "window_open": demand.starts_at - services.CHECK_IN_EARLY <= timezone.now() <= demand.ends_at,
    })


@signed_in_post
def check_in(request, pk: int):
    actor = request.user
    assignment = _own_assignment(actor, pk)
    form = CheckInForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    staff_for_other = assignment.volunteer_id != actor.pk
    try:
        services.assignment_check_in(actor=actor, assignment=assignment, latitude=data.get("latitude"),
                                     longitude=data.get("longitude"), station_code=data.get("station_code") or "",
                                     method="staff" if staff_for_other else "")
    except DomainError as err:
        return refused(request, err, safe_next(request, reverse("demands:task", args=[pk])))
    return done(request, _("Checked in. Thank you for coming!"), safe_next(request, reverse("demands:task", args=[pk])))


@signed_in_post
def check_out(request, pk: int):
    assignment = _own_assignment(request.user, pk)
    try:
        assignment = services.assignment_check_out(actor=request.user, assignment=assignment)
    except DomainError as err:
        return refused(request, err, safe_next(request, reverse("demands:task", args=[pk])))
    return done(request, _("Checked out: %(minutes)s minutes served. The elder will confirm.")
                 % {"minutes": assignment.served_minutes}, safe_next(request, reverse("demands:task", args=[pk])))


@signed_in_post
def unclaim(request, pk: int):
    assignment = _own_assignment(request.user, pk)
    try:
        services.demand_unclaim(actor=request.user, demand=assignment.demand, volunteer=assignment.volunteer)
    except DomainError as err:
        return refused(request, err, safe_next(request, reverse("demands:task", args=[pk])))
    return done(request, _("The place is given back."), reverse("demands:tasks"))


@signed_in_page
def notice_preferences(request):
    """Which new requests a volunteer wants to hear of: at all, by short message, how far, which kinds,
    and when they are free."""
    actor = request.user
    preference = notice_preference_of(actor)
    types = list(selectors.service_types_of(actor.bank)) if actor.bank_id else []
    if request.method == "POST":
        try:
            max_km = int(request.POST.get("max_km", "3"))
        except ValueError:
            max_km = 0
        try:
            notice_preference_set(
                actor=actor, new_demands=bool(request.POST.get("new_demands")),
                new_demands_by_sms=bool(request.POST.get("new_demands_by_sms")), max_km=max_km,
                service_codes=request.POST.getlist("service_codes"), free_slots=request.POST.getlist("free_slots"),
                known_codes=[t.code for t in types])
        except DomainError as err:
            messages.error(request, str(err.message))
        else:
            messages.success(request, _("Saved."))
            return redirect("demands:notice_preferences")
    slots = slot_grid()
    return render(request, "demands/notice_preferences.html", {
        "preference": preference, "types": types, "slots": slots}, status=422 if request.method == "POST" else 200)
