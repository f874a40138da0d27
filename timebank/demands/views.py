"""Demand pages. Volunteers: the feed, my tasks with one big check-in/out button, history.
Elders and proxies: my requests, ask for help, confirm with five faces. Station staff: the board,
publish, week calendar, a demand with dispatch, paper service and confirm on behalf. Branch
admins: the overview of their stations and disputes. Every write calls a service."""
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from timebank.lib.errors import DomainError, NotFound
from timebank.lib.pages import domain_errors_as_http, form_error, page_of, safe_next
from timebank.orgs.models import NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, nodes_visible_to, rules_for, scope_q
from timebank.people.models import Person, PersonStatus
from timebank.people.selectors import elders_acted_for, people_search

from . import selectors, services
from .forms import (
    CancelForm,
    CheckInForm,
    DemandForm,
    FeedFilterForm,
    MemberDemandForm,
    PaperServiceForm,
    RatingForm,
    ReasonForm,
    ResolveForm,
    SeriesForm,
    ServiceTypeForm,
    elders_to_pick,
    local_moment,
    member_elders,
)
from .models import Assignment, AssignmentStatus, Demand, DemandStatus, ServiceType

# Which form field a refused request is about, by error code.
DEMAND_FIELDS = {"times_invalid": "end", "start_in_past": "day", "too_far_ahead": "day", "headcount_invalid": "headcount",
                 "elder_required": "elder", "not_an_elder": "elder", "elder_pays_for_one": "payer",
                 "insufficient_balance": "payer", "redemption_not_yet_allowed": "payer",
                 "service_type_unavailable": "service_type", "coordinates_invalid": "latitude",
                 "series_range_invalid": "weekly_until"}


def _is_staff(actor) -> bool:
    return has_perm(actor, Perm.DEMANDS_VIEW)


def _done(request, message: str, default: str):
    messages.success(request, message)
    return redirect(safe_next(request, default))


def _refused(request, err: DomainError, default: str):
    messages.error(request, str(err.message))
    return redirect(safe_next(request, default))


@login_required
def index(request):
    actor = request.user
    if _is_staff(actor):
        return redirect("demands:board")
    if selectors.is_active_volunteer(actor):
        return redirect("demands:feed")
    return redirect("demands:requests")


# ---- volunteers ----------------------------------------------------------------------------------

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
    return _done(request, _("Saved. You now also see tasks from the streets you chose."), reverse("demands:feed"))


@login_required
@require_POST
@domain_errors_as_http
def claim(request, pk: int):
    demand = selectors.demand_get(request.user, pk)
    try:
        assignment = services.demand_claim(actor=request.user, demand=demand)
    except DomainError as err:
        if err.status == 404:
            raise
        return _refused(request, err, reverse("demands:feed"))
    messages.success(request, _("You took this task. Thank you!"))
    return redirect("demands:task", pk=assignment.pk)


@login_required
def tasks(request):
    live = selectors.assignments_of(request.user, live=True).order_by("starts_at")
    return render(request, "demands/tasks.html", {"assignments": live, "now": timezone.now()})


@login_required
def history(request):
    past = selectors.assignments_of(request.user, live=False).order_by("-starts_at")
    return render(request, "demands/history.html", {"page": page_of(request, past)})


def _own_assignment(actor, pk: int) -> Assignment:
    assignment = selectors.assignment_get(actor, pk)
    if assignment.volunteer_id != actor.pk and not selectors.is_demand_staff(actor, assignment.demand):
        raise NotFound()
    return assignment


@login_required
@domain_errors_as_http
def task(request, pk: int):
    assignment = _own_assignment(request.user, pk)
    demand = assignment.demand
    return render(request, "demands/task.html", {
        "assignment": assignment, "demand": demand, "form": CheckInForm(),
        "window_open": demand.starts_at - services.CHECK_IN_EARLY <= timezone.now() <= demand.ends_at,
    })


@login_required
@require_POST
@domain_errors_as_http
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
        return _refused(request, err, reverse("demands:task", args=[pk]))
    return _done(request, _("Checked in. Thank you for coming!"), reverse("demands:task", args=[pk]))


@login_required
@require_POST
@domain_errors_as_http
def check_out(request, pk: int):
    assignment = _own_assignment(request.user, pk)
    try:
        assignment = services.assignment_check_out(actor=request.user, assignment=assignment)
    except DomainError as err:
        return _refused(request, err, reverse("demands:task", args=[pk]))
    return _done(request, _("Checked out: %(minutes)s minutes served. The elder will confirm.")
                 % {"minutes": assignment.served_minutes}, reverse("demands:task", args=[pk]))


@login_required
@require_POST
@domain_errors_as_http
def unclaim(request, pk: int):
    assignment = _own_assignment(request.user, pk)
    try:
        services.demand_unclaim(actor=request.user, demand=assignment.demand, volunteer=assignment.volunteer)
    except DomainError as err:
        return _refused(request, err, reverse("demands:task", args=[pk]))
    return _done(request, _("The place is given back."), reverse("demands:tasks"))


# ---- elders and proxies --------------------------------------------------------------------------

def _requests_of(actor):
    elder_ids = [actor.pk, *elders_acted_for(actor).values_list("pk", flat=True)]
    return (Demand.objects.filter(Q(created_by=actor) | Q(elder_id__in=elder_ids)).distinct()
            .select_related("service_type", "station", "elder").prefetch_related("assignments__volunteer")
            .order_by("-starts_at"))


@login_required
def requests(request):
    return render(request, "demands/requests.html", {"page": page_of(request, _requests_of(request.user), 20)})


@login_required
def request_new(request):
    actor = request.user
    elders = member_elders(actor)
    if not elders.exists():
        raise Http404()
    types = selectors.service_types_of(actor.bank).filter(mode="one_to_one")
    form = MemberDemandForm(request.POST or None, elders=elders, types=types)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        starts_at, ends_at = form.moments()
        elder = data["elder"]
        try:
            demand = services.demand_create(
                actor=actor, station=elder.node, service_type=data["service_type"], starts_at=starts_at,
                ends_at=ends_at, elder=elder, address=data["address"] or elder.address, notes=data["notes"],
                payer=data["payer"], publish=True)
        except DomainError as err:
            form_error(form, err, DEMAND_FIELDS)
        else:
            messages.success(request, _("Your request is published.") if demand.status == DemandStatus.PUBLISHED
                             else _("Your request is sent to the service station for review."))
            return redirect("demands:requests")
    return render(request, "demands/request_new.html", {"form": form})


@login_required
@domain_errors_as_http
def confirm(request, pk: int):
    actor = request.user
    assignment = selectors.assignment_get(actor, pk)
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_confirm(actor=actor, assignment=assignment, rating=form.cleaned_data["rating"],
                                        comment=form.cleaned_data["comment"])
        except DomainError as err:
            form_error(form, err, {"rating_invalid": "rating"})
        else:
            messages.success(request, _("Thank you! The volunteer's hours are credited."))
            return redirect(safe_next(request, reverse("demands:requests")))
    return render(request, "demands/confirm.html", {"assignment": assignment, "demand": assignment.demand,
                                                    "form": form})


@login_required
@domain_errors_as_http
def dispute(request, pk: int):
    actor = request.user
    assignment = selectors.assignment_get(actor, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_dispute(actor=actor, assignment=assignment, reason=form.cleaned_data["reason"])
        except DomainError as err:
            form_error(form, err)
        else:
            messages.success(request, _("Your complaint is recorded. The branch will look into it."))
            return redirect(safe_next(request, reverse("demands:requests")))
    return render(request, "demands/dispute.html", {"assignment": assignment, "demand": assignment.demand,
                                                    "form": form})


# ---- station staff -------------------------------------------------------------------------------

def _staff_only(actor, perm: str = Perm.DEMANDS_VIEW) -> None:
    if not has_perm(actor, perm):
        raise Http404()


def _stations(actor, perm: str = Perm.DEMANDS_MANAGE):
    return nodes_visible_to(actor, perm).filter(kind=NodeKind.STATION, is_closed=False).order_by("path")


@login_required
def board(request):
    actor = request.user
    _staff_only(actor)
    station_id = request.GET.get("station")
    station_id = int(station_id) if station_id and station_id.isdigit() else None
    columns = selectors.board(actor, station_id=station_id)
    order = [DemandStatus.REVIEW, DemandStatus.PUBLISHED, DemandStatus.CLAIMED, DemandStatus.IN_SERVICE,
             DemandStatus.DONE, DemandStatus.DRAFT, DemandStatus.COMPLETED, DemandStatus.EXPIRED, DemandStatus.CANCELLED]
    return render(request, "demands/board.html", {
        "columns": [(DemandStatus(s).label, s, columns[s]) for s in order],
        "stations": _stations(actor, Perm.DEMANDS_VIEW), "station_id": station_id,
        "can_publish": has_perm(actor, Perm.DEMANDS_MANAGE),
        "series_list": selectors.series_visible_to(actor).filter(
            **({"station_id": station_id} if station_id else {}))[:50],
    })


@login_required
def demand_new(request):
    actor = request.user
    _staff_only(actor, Perm.DEMANDS_MANAGE)
    query = (request.POST.get("elder_q") or request.GET.get("elder_q") or "").strip()[:40]
    initial = {"publish": True}
    if request.method == "GET" and "elder_q" in request.GET:  # the search button without JavaScript
        initial = {k: v for k, v in request.GET.items() if k not in ("csrfmiddlewaretoken", "elder_q")}
    form = DemandForm(request.POST or None, actor=actor, stations=_stations(actor),
                      types=selectors.service_types_of(actor.bank), elder_query=query,
                      elder_matches=_elder_matches(actor, query), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        starts_at, ends_at = form.moments()
        common = {"station": data["station"], "service_type": data["service_type"], "elder": data["elder"],
                  "address": data["address"], "latitude": data["latitude"], "longitude": data["longitude"],
                  "headcount": data["headcount"], "notes": data["notes"], "payer": data["payer"]}
        try:
            with transaction.atomic():
                if data["weekly_until"]:
                    series = services.series_create(
                        actor=actor, weekday=data["day"].weekday(), start_time=data["start"],
                        duration_minutes=int((ends_at - starts_at).total_seconds() // 60), starts_on=data["day"],
                        until=data["weekly_until"], publish=data["publish"], **common)
                    messages.success(request, _("Weekly request created: %(count)s dates so far.")
                                     % {"count": series.demands.count()})
                    return redirect("demands:board")
                demand = services.demand_create(actor=actor, starts_at=starts_at, ends_at=ends_at,
                                                for_community=data["for_community"], publish=data["publish"], **common)
        except DomainError as err:
            form_error(form, err, DEMAND_FIELDS)
        else:
            messages.success(request, _("Request saved."))
            return redirect("demands:detail", pk=demand.pk)
    return render(request, "demands/demand_new.html", {"form": form})


def _elder_matches(actor, query: str, limit: int = 20) -> list[Person]:
    if not query:
        return []
    found = people_search(actor, query=query, role="elder", status=PersonStatus.ACTIVE)
    return list(found.filter(pk__in=elders_to_pick(actor).values("pk")).select_related("node")[:limit])


@login_required
def elder_search(request):
    """The publish form's live elder search (HTMX): the matching elders as choices."""
    actor = request.user
    _staff_only(actor, Perm.DEMANDS_MANAGE)
    query = request.GET.get("elder_q", "").strip()[:40]
    return render(request, "demands/_elder_results.html", {
        "people": _elder_matches(actor, query), "query": query, "name": "elder", "value": ""})


@login_required
@domain_errors_as_http
def detail(request, pk: int):
    actor = request.user
    demand = selectors.demand_get(actor, pk)
    staff = selectors.is_demand_staff(actor, demand)
    requester = selectors.acts_for_demand(actor, demand)
    assignments = demand.assignments.select_related("volunteer").order_by("id")
    if not (staff or requester or selectors.is_demand_staff(actor, demand, Perm.DEMANDS_VIEW)):
        assignments = assignments.filter(volunteer=actor)
    context = {
        "demand": demand, "assignments": assignments, "staff": staff, "requester": requester,
        "show_elder": selectors.elder_shown_to(actor, demand),
        "can_resolve": has_perm(actor, Perm.DEMANDS_RESOLVE, demand.station),
        "elders": selectors.elders_of(demand), "point": selectors.demand_point(demand),
        "can_claim": (demand.status in (DemandStatus.PUBLISHED,) and selectors.is_active_volunteer(actor)
                      and not assignments.filter(volunteer=actor).exclude(status="cancelled").exists()),
        "holds": selectors.demand_holds(demand) if staff else [],
    }
    if staff and demand.status in (DemandStatus.PUBLISHED, DemandStatus.CLAIMED) and demand.places_left:
        context["candidates"] = selectors.volunteers_for_demand(demand, limit=10)
    if staff:
        context["paper_form"] = PaperServiceForm(volunteers=selectors.branch_volunteers(demand), initial={
            "day": timezone.localtime(demand.starts_at).date(), "start": timezone.localtime(demand.starts_at).time(),
            "end": timezone.localtime(demand.ends_at).time()})
        context["cancel_form"] = CancelForm()
    return render(request, "demands/detail.html", context)


def _demand_action(request, pk: int, action, success: str):
    demand = selectors.demand_get(request.user, pk)
    default = reverse("demands:detail", args=[pk])
    try:
        action(demand)
    except DomainError as err:
        if err.status == 404:
            raise
        return _refused(request, err, default)
    return _done(request, success, default)


@login_required
@require_POST
@domain_errors_as_http
def publish(request, pk: int):
    return _demand_action(request, pk, lambda d: services.demand_publish(actor=request.user, demand=d),
                          _("Published."))


@login_required
@require_POST
@domain_errors_as_http
def cancel(request, pk: int):
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _demand_action(request, pk, lambda d: services.demand_cancel(actor=request.user, demand=d, reason=reason),
                          _("Cancelled."))


@login_required
@require_POST
@domain_errors_as_http
def dispatch(request, pk: int):
    volunteer_id = request.POST.get("volunteer", "")
    volunteer = Person.objects.filter(pk=int(volunteer_id)).select_related("node").first() if volunteer_id.isdigit() else None
    if volunteer is None:
        raise Http404()
    return _demand_action(request, pk, lambda d: services.demand_dispatch(actor=request.user, demand=d,
                                                                          volunteer=volunteer),
                          _("%(name)s is assigned.") % {"name": volunteer.name})


@login_required
@domain_errors_as_http
def paper(request, pk: int):
    actor = request.user
    demand = selectors.demand_get(actor, pk)
    if not selectors.is_demand_staff(actor, demand):
        raise Http404()
    form = PaperServiceForm(request.POST or None, volunteers=selectors.branch_volunteers(demand))
    if request.method == "POST" and form.is_valid():
        started_at, ended_at = form.moments()
        try:
            services.service_record_paper(actor=actor, demand=demand, volunteer=form.cleaned_data["volunteer"],
                                          started_at=started_at, ended_at=ended_at, reason=form.cleaned_data["reason"])
        except DomainError as err:
            form_error(form, err, {"times_invalid": "end", "reason_required": "reason"})
        else:
            return _done(request, _("Paper service recorded."), reverse("demands:detail", args=[pk]))
    return render(request, "demands/paper.html", {"demand": demand, "form": form})


@login_required
def calendar(request):
    actor = request.user
    _staff_only(actor)
    try:
        start = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        start = timezone.localdate()
    start -= dt.timedelta(days=start.weekday())
    days = [start + dt.timedelta(days=i) for i in range(7)]
    demands = (Demand.objects.filter(scope_q(actor, Perm.DEMANDS_VIEW, "station__path"),
                                     starts_at__gte=local_moment(start, dt.time()),
                                     starts_at__lt=local_moment(start + dt.timedelta(days=7), dt.time()))
               .exclude(status=DemandStatus.CANCELLED).select_related("service_type", "station", "elder")
               .order_by("starts_at"))
    by_day = {d: [] for d in days}
    for demand in demands[:2000]:
        by_day[timezone.localtime(demand.starts_at).date()].append(demand)
    return render(request, "demands/calendar.html", {
        "days": [(d, by_day[d]) for d in days], "previous": start - dt.timedelta(days=7),
        "next": start + dt.timedelta(days=7), "today": timezone.localdate()})


# ---- branch admins -------------------------------------------------------------------------------

@login_required
def overview(request):
    actor = request.user
    _staff_only(actor)
    since = timezone.now() - dt.timedelta(days=30)
    stations = _stations(actor, Perm.DEMANDS_VIEW)
    counts = (Demand.objects.filter(scope_q(actor, Perm.DEMANDS_VIEW, "station__path"), starts_at__gte=since)
              .values("station_id", "status").annotate(n=Count("id")))
    served = (Assignment.objects.filter(scope_q(actor, Perm.DEMANDS_VIEW, "demand__station__path"),
                                        status=AssignmentStatus.CREDITED, credited_at__gte=since)
              .values("demand__station_id").annotate(n=Count("id")))
    table = {s.pk: {"station": s, "statuses": {}, "credited": 0} for s in stations}
    for row in counts:
        if row["station_id"] in table:
            table[row["station_id"]]["statuses"][row["status"]] = row["n"]
    for row in served:
        if row["demand__station_id"] in table:
            table[row["demand__station_id"]]["credited"] = row["n"]
    shown = [DemandStatus.PUBLISHED, DemandStatus.CLAIMED, DemandStatus.DONE, DemandStatus.COMPLETED,
             DemandStatus.EXPIRED, DemandStatus.CANCELLED]
    rows = [(r["station"], [r["statuses"].get(s, 0) for s in shown], r["credited"]) for r in table.values()]
    return render(request, "demands/overview.html", {
        "rows": rows, "headers": [DemandStatus(s).label for s in shown],
        "disputes": selectors.disputes_visible_to(actor)[:50]})


@login_required
@domain_errors_as_http
def resolve(request, pk: int):
    actor = request.user
    assignment = selectors.assignment_get(actor, pk)
    if not has_perm(actor, Perm.DEMANDS_RESOLVE, assignment.demand.station):
        raise Http404()
    form = ResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.dispute_resolve(actor=actor, assignment=assignment, credit=data["decision"] == "credit",
                                     served_minutes=data["served_minutes"], note=data["note"])
        except DomainError as err:
            form_error(form, err, {"minutes_invalid": "served_minutes"})
        else:
            return _done(request, _("Decided."), reverse("demands:overview"))
    return render(request, "demands/resolve.html", {"assignment": assignment, "demand": assignment.demand,
                                                    "form": form})





# ---- bank admins: the service catalogue ----------------------------------------------------------

TYPE_FIELDS = ("name", "name_en", "category", "mode", "default_minutes", "rate_percent", "points_per_hour",
               "required_certificate", "is_active")


def _catalogue_bank(actor):
    if actor.bank_id is None or not has_perm(actor, Perm.SERVICE_TYPES_MANAGE, actor.bank):
        raise Http404()
    return actor.bank


@login_required
def service_types(request):
    bank = _catalogue_bank(request.user)
    types = selectors.service_types_of(bank, active_only=False).order_by("-is_active", "category", "code")
    return render(request, "demands/service_types.html", {"types": types, "bank": bank})


@login_required
def service_type_edit(request, code: str | None = None):
    actor = request.user
    bank = _catalogue_bank(actor)
    service_type = None
    if code is not None:
        service_type = ServiceType.objects.filter(bank=bank, code=code).first()
        if service_type is None:
            raise Http404()
    initial = ({k: getattr(service_type, k) for k in TYPE_FIELDS} if service_type else
               {"mode": "one_to_one", "default_minutes": 60, "rate_percent": 100, "is_active": True,
                "points_per_hour": rules_for(bank).points_per_hour})
    form = ServiceTypeForm(request.POST or None, initial=initial, editing=service_type is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.service_type_save(actor=actor, bank=bank, code=code or data["code"],
                                               new=service_type is None, **{k: data[k] for k in TYPE_FIELDS})
        except DomainError as err:
            if err.status == 404:
                raise Http404() from None
            for field, errors in (err.detail or {}).get("errors", {}).items():
                form.add_error(field if field in form.fields else None, errors)
            if not (err.detail or {}).get("errors"):
                form_error(form, err, {"service_type_code_taken": "code"})
        else:
            return _done(request, _("Service type %(name)s saved.") % {"name": saved.name},
                         reverse("demands:service_types"))
    return render(request, "demands/service_type_form.html", {"form": form, "service_type": service_type})


# ---- weekly requests -----------------------------------------------------------------------------

@login_required
@domain_errors_as_http
def series(request, pk: int):
    actor = request.user
    series = selectors.series_get(actor, pk)
    can_manage = selectors.may_manage_series(actor, series) and series.cancelled_at is None
    form = SeriesForm(request.POST or None, initial={
        "start": series.start_time, "duration_minutes": series.duration_minutes, "until": series.until,
        "headcount": series.headcount, "address": series.address, "notes": series.notes})
    result = None
    if request.method == "POST":
        if not can_manage:
            raise Http404()
        if form.is_valid():
            changes = form.changes(series)
            try:
                result = services.series_update(actor=actor, series=series, **changes) if changes else {
                    "changed": [], "kept": []}
            except DomainError as err:
                form_error(form, err, {"times_invalid": "until", "headcount_invalid": "headcount"})
            else:
                messages.success(request, _("The weekly request is changed."))
                series = selectors.series_get(actor, pk)
    by_id = {d.pk: d for d in Demand.objects.filter(pk__in=[*result["changed"], *result["kept"]])} if result else {}
    return render(request, "demands/series.html", {
        "series": series, "upcoming": selectors.series_upcoming(series)[:60], "form": form,
        "can_manage": can_manage, "cancel_form": CancelForm(),
        "changed": [by_id[i] for i in result["changed"] if i in by_id] if result else [],
        "kept": [by_id[i] for i in result["kept"] if i in by_id] if result else [],
        "weekday": WEEKDAYS[series.weekday],
    })


WEEKDAYS = [gettext_lazy("Mondays"), gettext_lazy("Tuesdays"), gettext_lazy("Wednesdays"), gettext_lazy("Thursdays"),
            gettext_lazy("Fridays"), gettext_lazy("Saturdays"), gettext_lazy("Sundays")]


@login_required
@require_POST
@domain_errors_as_http
def series_cancel(request, pk: int):
    actor = request.user
    series = selectors.series_get(actor, pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    default = reverse("demands:series", args=[pk])
    try:
        services.series_cancel(actor=actor, series=series, reason=reason)
    except DomainError as err:
        if err.status == 404:
            raise
        return _refused(request, err, default)
    return _done(request, _("The weekly request is cancelled, with its coming dates."), default)
