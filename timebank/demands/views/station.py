"""Station staff pages: the board, publishing (with the live elder search), the week calendar, and a
demand with publish, cancel, dispatch and paper service."""
import datetime as dt
import math
import re
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from timebank.audit.idempotency import run_idempotent
from timebank.ledger.display import mask_name
from timebank.lib.errors import DomainError, NotFound
from timebank.lib.pages import form_error, pdf_inline, signed_in_page, signed_in_post
from timebank.lib.pin_map import PinMap
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, nodes_visible_to, scope_q
from timebank.people.models import Person
from timebank.people.selectors import elders_matching

from .. import selectors, services
from ..day_sheet import day_sheet_pdf
from ..exceptions import NotYours
from ..forms import CancelForm, DemandForm, PaperServiceForm, VisitorDemandForm, elders_to_pick, local_moment
from ..models import AssignmentStatus, Demand, DemandStatus, Payer
from ..poster_pdf import checkin_poster_pdf
from .replies import DEMAND_FIELDS, done, refused


def staff_only(actor, perm: str = Perm.DEMANDS_VIEW) -> None:
    """Staff pages are a 404 for anyone who does not hold `perm` somewhere."""
    if not has_perm(actor, perm):
        raise Http404()


def stations_in_reach(actor, perm: str = Perm.DEMANDS_MANAGE):
    """The open stations where the actor holds `perm`, in tree order."""
    return nodes_visible_to(actor, perm).filter(kind=NodeKind.STATION, is_closed=False).order_by("path")


@login_required
def board(request):
    actor = request.user
    staff_only(actor)
    station_id = request.GET.get("station")
    station_id = int(station_id) if station_id and station_id.isdigit() else None
    columns = selectors.board(actor, station_id=station_id)
    order = [DemandStatus.REVIEW, DemandStatus.PUBLISHED, DemandStatus.CLAIMED, DemandStatus.IN_SERVICE,
             DemandStatus.DONE, DemandStatus.DRAFT, DemandStatus.COMPLETED, DemandStatus.EXPIRED, DemandStatus.CANCELLED]
    return render(request, "demands/board.html", {
        "columns": [(DemandStatus(s).label, s, columns[s]) for s in order],
        "stations": stations_in_reach(actor, Perm.DEMANDS_VIEW), "station_id": station_id,
        "can_publish": has_perm(actor, Perm.DEMANDS_MANAGE),
        "series_list": selectors.series_visible_to(actor).filter(
            **({"station_id": station_id} if station_id else {}))[:50],
    })


@login_required
def demand_new(request):
    actor = request.user
    staff_only(actor, Perm.DEMANDS_MANAGE)
    query = (request.POST.get("elder_q") or request.GET.get("elder_q") or "").strip()[:40]
    initial = {"publish": True}
    if request.method == "GET" and "elder_q" in request.GET:  # the search button without JavaScript
        initial = {k: v for k, v in request.GET.items() if k not in ("csrfmiddlewaretoken", "elder_q")}
    form = DemandForm(request.POST or None, actor=actor, stations=stations_in_reach(actor),
                      types=selectors.service_types_of(actor.bank), elder_query=query,
                      elder_matches=_elder_matches(actor, query), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        starts_at, ends_at = form.moments()
        common = {"station": data["station"], "service_type": data["service_type"], "elder": data["elder"],
                  "address": data["address"],
                  "headcount": data["headcount"], "notes": data["notes"], "payer": data["payer"]}
        try:  # each service is one transaction of its own, opened after the address is geocoded
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


@login_required
def visitor_new(request):
    """来访长者预约: a visiting elder of another bank of the platform books here, paid with their own coins.
    Staff find them by mobile number and the ID card they show; only the name (masked) and their
    district are shown before booking, never their record."""
    actor = request.user
    staff_only(actor, Perm.DEMANDS_MANAGE)
    form = VisitorDemandForm(request.POST or None, stations=stations_in_reach(actor).select_related("parent"),
                             types=selectors.service_types_of(actor.bank).filter(mode="one_to_one"))
    visitor = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visitor = services.visitor_find(actor=actor, mobile=data["mobile"], id_number=data["id_number"])
        except NotFound:
            form.add_error("id_number", _("No elder of another district has this mobile number and ID number."))
        except DomainError as err:  # too many attempts
            form_error(form, err, {})
        if visitor is not None and request.POST.get("step") == "book":
            starts_at, ends_at = form.moments()
            try:
                demand = services.demand_create(
                    actor=actor, station=data["station"], service_type=data["service_type"], starts_at=starts_at,
                    ends_at=ends_at, elder=visitor, address=data["address"], notes=data["notes"], payer=Payer.ELDER,
                    publish=True, visitor_id_number=data["id_number"])
            except DomainError as err:
                form_error(form, err, DEMAND_FIELDS)
            else:
                messages.success(request, _("Request saved."))
                return redirect("demands:detail", pk=demand.pk)
    return render(request, "demands/visitor_new.html", {
        "form": form, "visitor": visitor, "visitor_name": mask_name(visitor.name) if visitor else ""},
        status=422 if form.errors else 200)


def _elder_matches(actor, query: str) -> list[Person]:
    return elders_matching(actor, query, among=elders_to_pick(actor))


@login_required
def elder_search(request):
    """The publish form's live elder search (HTMX): the matching elders as choices."""
    actor = request.user
    staff_only(actor, Perm.DEMANDS_MANAGE)
    query = request.GET.get("elder_q", "").strip()[:40]
    return render(request, "demands/_elder_results.html", {
        "people": _elder_matches(actor, query), "query": query, "name": "elder", "value": ""})


@signed_in_page
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
    pin_map = _pin_map(demand) if staff else None
    if pin_map is not None:
        context["pin"] = {**pin_place(demand, pin_map), "movable": demand.status in services.PIN_MOVABLE,
                          "map": pin_map}
    if staff and demand.status in (DemandStatus.PUBLISHED, DemandStatus.CLAIMED) and demand.places_left:
        context["candidates"] = selectors.volunteers_for_demand(demand, limit=10)
    if staff:
        context["paper_form"] = PaperServiceForm(volunteers=selectors.branch_volunteers(demand), initial={
            "day": timezone.localtime(demand.starts_at).date(), "start": timezone.localtime(demand.starts_at).time(),
            "end": timezone.localtime(demand.ends_at).time()})
        context["cancel_form"] = CancelForm()
    return render(request, "demands/detail.html", context)


# ---- the clerk's map pin ---------------------------------------------------------------------------
NUDGE_M = 50  # what one arrow button moves the pin
NUDGES = {"n": (NUDGE_M, 0), "s": (-NUDGE_M, 0), "e": (0, NUDGE_M), "w": (0, -NUDGE_M)}


def _pin_map(demand: Demand) -> PinMap | None:
    """The drawn map around the request's station (or the nearest node above it that has a point)."""
    node = demand.station
    while node is not None:
        if node.latitude is not None and node.longitude is not None:
            return PinMap(node.latitude, node.longitude)
        node = node.parent
    return None


def _pinning_staff(actor, pk: int, *, writing: bool = False) -> tuple[Demand, PinMap]:
    """The request and its drawn map, for its station's staff. Others who see the request are refused the
    pin as the service refuses them (403), and never shown the map (404)."""
    demand = selectors.demand_get(actor, pk)
    if not selectors.is_demand_staff(actor, demand):
        if writing:
            raise NotYours()
        raise Http404()
    pin_map = _pin_map(demand)
    if pin_map is None:
        raise Http404()
    return demand, pin_map


def _bearing_words(metres_north: float, metres_east: float) -> str:
    if abs(metres_north) < 25 and abs(metres_east) < 25:
        return _("at the station")
    north = (metres_north >= 25) - (metres_north <= -25)
    east = (metres_east >= 25) - (metres_east <= -25)
    direction = {(1, 0): _("north"), (-1, 0): _("south"), (0, 1): _("east"), (0, -1): _("west"),
                 (1, 1): _("north-east"), (1, -1): _("north-west"), (-1, 1): _("south-east"),
                 (-1, -1): _("south-west")}[(north, east)]
    return _("%(direction)s of the station, about %(metres)s m") % {
        "direction": direction, "metres": int(round(math.hypot(metres_north, metres_east), -1))}


def pin_place(demand: Demand, pin_map: PinMap) -> dict:
    """Where the request's pin is on the drawn map, for the page and the picture."""
    point = selectors.demand_point(demand)
    own = demand.latitude is not None and demand.longitude is not None
    if point is None:
        return {"own": False}
    x, y = pin_map.pixel_of(*point)
    north, east = (pin_map.height / 2 - y) * pin_map.metres_per_px, (x - pin_map.width / 2) * pin_map.metres_per_px
    return {"own": own, "x": x, "y": y, "on_map": pin_map.shows(*point), "words": _bearing_words(north, east)}


@signed_in_page
def demand_map(request, pk: int):
    """The drawn map of the pin (an SVG picture): grid, scale, the stations around, the pin."""
    demand, pin_map = _pinning_staff(request.user, pk)
    stations = []
    for node in Node.objects.filter(bank_id=demand.bank_id, kind=NodeKind.STATION, is_closed=False,
                                    latitude__isnull=False, longitude__isnull=False):
        if pin_map.shows(node.latitude, node.longitude):
            x, y = pin_map.pixel_of(node.latitude, node.longitude)
            stations.append({"name": node.name, "x": x, "y": y, "own": node.pk == demand.station_id})
    response = render(request, "demands/pin_map.svg", {
        "map": pin_map, "grid": pin_map.grid(), "stations": stations, "pin": pin_place(demand, pin_map),
        "scale_px": 200 / pin_map.metres_per_px, "scale_label": _("200 m"), "north_label": _("N"),
    }, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


@signed_in_post
def demand_pin(request, pk: int):
    """A click on the drawn map (an image button: it sends where it was clicked, no JavaScript needed), an
    arrow button, or back to the station's point."""
    actor = request.user
    demand, pin_map = _pinning_staff(actor, pk, writing=True)
    default = reverse("demands:detail", args=[pk]) + "#pin"
    x, y = request.POST.get("pin.x", ""), request.POST.get("pin.y", "")
    nudge = NUDGES.get(request.POST.get("nudge", ""))
    if x.isdigit() and y.isdigit() and len(x) < 6 and len(y) < 6 and (x, y) != ("0", "0"):
        latitude, longitude = pin_map.point_at(int(x), int(y))
    elif nudge is not None:
        start = selectors.demand_point(demand) or (pin_map.latitude, pin_map.longitude)
        latitude, longitude = pin_map.moved(*start, north_m=nudge[0], east_m=nudge[1])
    elif "station" in request.POST:
        latitude = longitude = None
    else:  # the picture pressed with the keyboard sends (0, 0): nothing to place
        messages.error(request, _("Click on the map where the service happens, or move the pin with the arrows."))
        return redirect(default)
    try:
        demand = services.demand_point_set(actor=actor, demand=demand, latitude=latitude, longitude=longitude)
    except DomainError as err:
        if err.status == 404:
            raise
        return refused(request, err, default)
    return done(request, _("Map point saved: %(where)s.") % {"where": pin_place(demand, pin_map)["words"]}, default)


def _demand_action(request, pk: int, action, success: str):
    demand = selectors.demand_get(request.user, pk)
    default = reverse("demands:detail", args=[pk])
    try:
        action(demand)
    except DomainError as err:
        if err.status == 404:
            raise
        return refused(request, err, default)
    return done(request, success, default)


@signed_in_post
def publish(request, pk: int):
    return _demand_action(request, pk, lambda d: services.demand_publish(actor=request.user, demand=d),
                          _("Published."))


@signed_in_post
def cancel(request, pk: int):
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _demand_action(request, pk, lambda d: services.demand_cancel(actor=request.user, demand=d, reason=reason),
                          _("Cancelled."))


@signed_in_post
def dispatch(request, pk: int):
    volunteer_id = request.POST.get("volunteer", "")
    volunteer = Person.objects.filter(pk=int(volunteer_id)).select_related("node").first() if volunteer_id.isdigit() else None
    if volunteer is None:
        raise Http404()
    return _demand_action(request, pk, lambda d: services.demand_dispatch(actor=request.user, demand=d,
                                                                          volunteer=volunteer),
                          _("%(name)s is assigned.") % {"name": volunteer.name})


@signed_in_page
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
            return done(request, _("Paper service recorded."), reverse("demands:detail", args=[pk]))
    return render(request, "demands/paper.html", {"demand": demand, "form": form})


PAPER_ROW = re.compile(r"([0-9]{1,12})-([0-9]{1,12})")
PAPER_OPEN = (AssignmentStatus.CLAIMED, AssignmentStatus.CHECKED_IN, AssignmentStatus.NO_SHOW)


def _paper_rows_posted(post) -> list[tuple[int, int, int]]:
    """The ticked rows (`row` = "<demand id>-<volunteer id>") with their served minutes (0 when unreadable:
    the service then refuses that row alone)."""
    rows = []
    for value in post.getlist("row")[:500]:
        match = PAPER_ROW.fullmatch(value)
        if match:
            minutes = (post.get(f"minutes-{value}") or "").strip()
            rows.append((int(match[1]), int(match[2]), int(minutes) if minutes.isdigit() and len(minutes) < 6 else 0))
    return rows


@signed_in_page
def paper_day(request):
    """Bulk mode of the paper services: a station's sign sheet of the day with tick boxes and the served
    minutes of the plan; the ticked rows are recorded at once, each through the same service, each row's
    refusal shown beside it. The form's one-time token makes a second press record nothing twice."""
    actor = request.user
    stations = list(nodes_visible_to(actor, Perm.DEMANDS_MANAGE).filter(kind=NodeKind.STATION, is_closed=False)
                    .order_by("path"))
    if not stations:
        raise Http404()
    source = request.POST if request.method == "POST" else request.GET
    station = next((s for s in stations if str(s.pk) == source.get("station")), None) if source.get("station") \
        else stations[0]
    if station is None:
        raise Http404()
    try:
        day = dt.date.fromisoformat(source.get("date", ""))
    except ValueError:
        day = timezone.localdate()
    results, status = {}, 200
    reason = (source.get("reason") or "").strip()[:200] or _("Signed on the paper sign sheet of %(day)s") % {
        "day": day.isoformat()}
    if request.method == "POST":
        token = (request.POST.get("token") or "").strip()[:64]
        rows = _paper_rows_posted(request.POST)
        if not token or not rows:
            messages.error(request, _("Tick the services signed on paper first."))
            status = 422
        else:
            try:
                with transaction.atomic():
                    _status, body = run_idempotent(
                        actor=actor, key=f"page:demands.paper_services:{token}", operation="demands.paper_services",
                        payload={"rows": sorted(rows), "reason": reason},
                        perform=lambda: (200, {"results": services.services_record_paper_many(
                            actor=actor, rows=rows, reason=reason)}))
            except NotFound:
                raise Http404() from None
            except DomainError as err:
                messages.error(request, str(err.message))
                status = 422
            else:
                results = {(r["demand_id"], r["volunteer_id"]): r for r in body["results"]}
                done_count = sum(1 for r in body["results"] if r["ok"])
                messages.success(request, _("%(n)d services recorded.") % {"n": done_count})
                if done_count < len(body["results"]):
                    messages.error(request, _("%(n)d rows were not recorded: see the reason beside each.")
                                   % {"n": len(body["results"]) - done_count})
    rows = [(a, a.status in PAPER_OPEN, results.get((a.demand_id, a.volunteer_id)))
            for a in selectors.paper_sheet_rows(station, day)]
    return render(request, "demands/paper_day.html", {
        "stations": stations, "station": station, "day": day, "rows": rows, "reason": reason,
        "token": uuid.uuid4().hex}, status=status)


@login_required
def calendar(request):
    actor = request.user
    staff_only(actor)
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
        "next": start + dt.timedelta(days=7), "today": timezone.localdate(),
        "stations": nodes_visible_to(actor, Perm.DEMANDS_VIEW).filter(kind=NodeKind.STATION, is_closed=False)
        .order_by("path")})


@signed_in_page
def day_sheet(request):
    """The station's day as a printable A4 sheet (`?station=<id>&date=YYYY-MM-DD`, today by default)."""
    actor = request.user
    try:
        station = nodes_visible_to(actor, Perm.DEMANDS_VIEW).get(pk=int(request.GET.get("station", "")),
                                                                 kind=NodeKind.STATION)
    except (ValueError, TypeError, Node.DoesNotExist):
        raise Http404() from None
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = timezone.localdate()
    demands = list(Demand.objects.filter(station=station, starts_at__gte=local_moment(day, dt.time()),
                                         starts_at__lt=local_moment(day + dt.timedelta(days=1), dt.time()))
                   .exclude(status__in=[DemandStatus.CANCELLED, DemandStatus.DRAFT])
                   .select_related("service_type", "elder").prefetch_related("assignments__volunteer", "elders")
                   .order_by("starts_at", "id")[:500])
    pdf = day_sheet_pdf(station=station, day=day, demands=demands, made_by=actor, now=timezone.now())
    return pdf_inline(pdf, f"day-{station.pk}-{day:%Y%m%d}.pdf")


@signed_in_page
def checkin_poster(request, pk: int):
    """The station's check-in poster (station staff in reach)."""
    try:
        station = nodes_visible_to(request.user, Perm.DEMANDS_MANAGE).get(pk=pk, kind=NodeKind.STATION)
    except Node.DoesNotExist:
        raise Http404() from None
    return pdf_inline(checkin_poster_pdf(station), f"check-in-{station.pk}.pdf")


@signed_in_page
def scan(request):
    """At the station: a volunteer's card or wristband is scanned (a USB reader types the id and Enter,
    or the phone camera reads the QR code): their tasks today here, with check-in and check-out, and
    their passbook for staff who may see it."""
    actor = request.user
    staff_only(actor, Perm.DEMANDS_MANAGE)
    tag = (request.GET.get("tag") or "").strip().upper()[:32]
    volunteer, tasks = None, []
    if tag:
        volunteer = selectors.volunteer_by_tag(actor, tag)
        if volunteer is not None:
            tasks = selectors.tasks_today_for_staff(actor, volunteer)
    return render(request, "demands/scan.html", {
        "tag": tag, "volunteer": volunteer, "tasks": tasks, "now": timezone.now(),
        "can_see_coins": volunteer is not None and volunteer.node is not None
        and has_perm(actor, Perm.LEDGER_VIEW, volunteer.node)})
