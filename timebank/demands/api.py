"""Demand endpoints: the catalogue, demands and their actions (publish, claim, unclaim, check-in,
check-out, confirm, dispute, cancel, dispatch), the volunteer feed and the inbox. Claim, check-out
and confirm accept `Idempotency-Key`: the same key returns the first answer and changes nothing."""
import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from ninja import Header, Query, Router, Status
from ninja.pagination import paginate

from timebank.audit.idempotency import run_idempotent
from timebank.lib.errors import InvalidInput, NotFound
from timebank.lib.pagination import Pages
from timebank.notices.selectors import notice_preference_of
from timebank.notices.services import notice_preference_set
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.access import access_elder, access_elders
from timebank.people.models import Person

from . import selectors, services
from .exceptions import InvalidTransition, NotYours
from .models import Assignment, AssignmentStatus, Demand, DemandSeries
from .schemas import (
    AreaOut,
    AreasIn,
    AssignmentOut,
    CancelIn,
    CandidateOut,
    CheckInIn,
    CheckOutIn,
    DemandIn,
    DemandOut,
    DemandPointIn,
    DispatchIn,
    DisputeIn,
    DisputeResolveIn,
    ElsewhereBankOut,
    FeedItemOut,
    MemberOfferIn,
    MemberOfferOut,
    NoticePreferenceBody,
    OfferRequestIn,
    PaperServiceIn,
    PaperServicesIn,
    PaperServicesOut,
    SeriesChangeIn,
    SeriesChangeOut,
    SeriesOut,
    ServiceConfirmIn,
    ServiceTypeChange,
    ServiceTypeIn,
    ServiceTypeOut,
    VisitorIn,
    VisitorOut,
    WhoIn,
)

router = Router(tags=["demands"])
IdempotencyKey = Header(None, alias="Idempotency-Key", max_length=100)
DATE_FROM = Query(None, alias="from", description="starts at or after (ISO 8601 with offset)")
DATE_TO = Query(None, alias="to", description="starts before (ISO 8601 with offset)")


def _near(value: str | None) -> tuple[float, float] | None:
    if not value:
        return None
    try:
        lat, lng = (float(x) for x in value.split(","))
    except ValueError:
        raise InvalidInput(_("`near` is latitude,longitude."), code="near_invalid") from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidInput(_("`near` is latitude,longitude."), code="near_invalid")
    return lat, lng


def _shown(actor, demand: Demand) -> Demand:
    """The demand with the assignments this actor may see: all for staff and the elder's side,
    their own for a volunteer."""
    assignments = demand.assignments.select_related("volunteer").order_by("id")
    if not (selectors.is_demand_staff(actor, demand, Perm.DEMANDS_VIEW) or selectors.acts_for_demand(actor, demand)):
        assignments = assignments.filter(volunteer=actor)
    demand.assignments_shown = list(assignments)
    return demand


def _out(actor, demand: Demand) -> Demand:
    return _shown(actor, demand)


FINISHED = (AssignmentStatus.CONFIRMED, AssignmentStatus.CREDITED, AssignmentStatus.DISPUTED,
            AssignmentStatus.REJECTED)


def _assignment(actor, demand: Demand, who: WhoIn, *, done_only: bool = False) -> Assignment:
    live = demand.assignments.exclude(status=AssignmentStatus.CANCELLED).select_related("volunteer")
    if who.assignment_id:
        found = live.filter(pk=who.assignment_id).first()
    elif who.volunteer_id:
        found = live.filter(volunteer_id=who.volunteer_id).first()
    else:
        found = live.filter(volunteer=actor).first()
        if found is None and done_only:
            waiting = list(live.filter(status=AssignmentStatus.DONE)[:2])
            found = waiting[0] if len(waiting) == 1 else None
            if len(waiting) > 1:
                raise InvalidInput(_("Say which volunteer's service (assignment_id)."), code="assignment_required")
            if found is None and live.filter(status__in=FINISHED).exists():
                # The step was already taken (a repeated confirm, a double click): say so, as a 409.
                raise InvalidTransition(_("This service was already confirmed or disputed."),
                                        code="already_decided")
    if found is None:
        raise NotYours(_("There is no such task on this request."), code="not_claimed")
    return found


@router.get("/service-types", response=list[ServiceTypeOut], summary="The service catalogue of your bank")
@paginate(Pages)
def service_type_list(request):
    bank = getattr(request.auth, "bank", None)
    if bank is None:
        return []
    return selectors.service_types_of(bank).order_by("category", "code")


@router.post("/service-types", response={201: ServiceTypeOut}, summary="Add a type to your bank's catalogue (bank admin)")
def service_type_create(request, payload: ServiceTypeIn):
    fields = payload.dict(exclude_none=True)
    code = fields.pop("code")
    return Status(201, services.service_type_save(actor=request.auth, bank=getattr(request.auth, "bank", None),
                                                  code=code, new=True, **fields))


@router.patch("/service-types/{code}", response=ServiceTypeOut,
              summary="Change a type of your bank's catalogue, by code (bank admin)")
def service_type_change(request, code: str, payload: ServiceTypeChange):
    return services.service_type_save(actor=request.auth, bank=getattr(request.auth, "bank", None), code=code,
                                      new=False, **payload.dict(exclude_none=True))


@router.get("/demands", response=list[DemandOut], summary="Demands you may see (filter by status, type, place, time)")
@paginate(Pages)
def demand_list(request, status: str = "", type: int | None = None, station: int | None = None,
                near: str | None = Query(None, description="latitude,longitude"),
                radius_km: float | None = Query(None, gt=0, le=100),
                date_from: dt.datetime | None = DATE_FROM,
                date_to: dt.datetime | None = DATE_TO):
    demands = selectors.demands_search(request.auth, status=status, type_id=type, station_id=station,
                                       date_from=date_from, date_to=date_to, near=_near(near), radius_km=radius_km)
    return demands


@router.get("/demands/feed", response=list[FeedItemOut],
            summary="Demands you can take now (精准对接): your branch, types you may do, free at that time")
def demand_feed(request, type: int | None = None, near: str | None = Query(None, description="latitude,longitude"),
                radius_km: float | None = Query(None, gt=0, le=100),
                date_from: dt.datetime | None = DATE_FROM,
                date_to: dt.datetime | None = DATE_TO, limit: int = Query(20, ge=1, le=100)):
    items = selectors.volunteer_feed(request.auth, type_id=type, near=_near(near), radius_km=radius_km,
                                     date_from=date_from, date_to=date_to, limit=limit)
    for item in items:
        item.demand.distance_m = round(item.distance_m) if item.distance_m is not None else None
    return [item.demand for item in items]


@router.post("/demands", response={201: DemandOut}, summary="Publish a need (staff, the elder, or a proxy)")
def demand_create(request, payload: DemandIn):
    actor: Person = request.auth
    station = Node.objects.filter(pk=payload.station_id, kind=NodeKind.STATION).first()
    if station is None:
        raise NotFound()
    service_type = selectors.service_type_get(station.bank, payload.service_type_id)
    # The elders are fetched through the one access layer (and checked there again by the service).
    if payload.visitor_id_number and payload.elder_id:
        # A visiting elder of another bank: reached by the ID card, which the service checks (else 404).
        elder = Person.objects.filter(pk=payload.elder_id).select_related("bank").first()
        if elder is None:
            raise NotFound()
    else:
        elder = access_elder(actor, payload.elder_id, for_=Perm.DEMANDS_MANAGE) if payload.elder_id else None
    elders = access_elders(actor, payload.elder_ids, for_=Perm.DEMANDS_MANAGE)
    demand = services.demand_create(
        actor=actor, station=station, service_type=service_type, starts_at=payload.starts_at,
        ends_at=payload.ends_at, elder=elder, elders=elders, for_community=payload.for_community,
        address=payload.address, latitude=payload.latitude, longitude=payload.longitude,
        headcount=payload.headcount, notes=payload.notes, payer=payload.payer, publish=payload.publish,
        visitor_id_number=payload.visitor_id_number)
    return Status(201, _out(actor, selectors.demand_get(actor, demand.pk)))


@router.get("/demands/elsewhere", response=list[ElsewhereBankOut],
            summary="Where your elders (yourself, or those you act for) may book a service in another bank of the "
                    "platform, paid with their own coins (跨区兑换): the banks, their stations and kinds of service; "
                    "book with POST /demands, payer \"elder\"")
def demands_elsewhere(request):
    out = []
    for bank in selectors.banks_elsewhere(selectors.elders_booking_for(request.auth)):
        out.append({"id": bank.pk, "name": bank.name,
                    "stations": [{"id": s.pk, "name": s.name, "branch": s.parent.name}
                                 for s in selectors.stations_of_bank(bank)],
                    "service_types": [{"id": t.pk, "code": t.code, "name": t.name}
                                      for t in selectors.service_types_of(bank).filter(mode="one_to_one")]})
    return out


@router.post("/demands/visitors", response=VisitorOut,
             summary="Find a visiting elder of another bank of the platform (station staff, 跨区兑换): by mobile "
                     "number and the resident ID number on their card; answers the name masked, else 404; "
                     "30 attempts an hour per staff member (429 rate_limited)")
def demand_visitor_find(request, payload: VisitorIn):
    from timebank.ledger.display import mask_name

    elder = services.visitor_find(actor=request.auth, mobile=payload.mobile, id_number=payload.id_number)
    return {"elder_id": elder.pk, "name": mask_name(elder.name), "bank_id": elder.bank_id,
            "bank_name": elder.bank.name}


@router.post("/demands/paper-services", response=PaperServicesOut,
             summary="Record a day's sign sheet at once (station staff): each row goes through the paper-service "
                     "record on its own and is reported; a demand out of reach is a 404 for the whole request; "
                     "accepts Idempotency-Key")
def paper_services_record(request, payload: PaperServicesIn, idempotency_key: str | None = IdempotencyKey):
    rows = sorted((r.demand_id, r.volunteer_id, r.served_minutes) for r in payload.rows)

    def perform():
        return 200, {"results": services.services_record_paper_many(actor=request.auth, rows=rows,
                                                                    reason=payload.reason)}

    with transaction.atomic():
        _status, body = run_idempotent(actor=request.auth, key=idempotency_key, operation="demands.paper_services",
                                       payload={"rows": rows, "reason": payload.reason}, perform=perform)
    return body


@router.put("/demands/{demand_id}/point", response=DemandOut,
            summary="Place the request's map point by hand (staff; the page's map pin); null for both: the "
                    "station's point. Until the service starts.")
def demand_point_set(request, demand_id: int, payload: DemandPointIn):
    demand = selectors.demand_get(request.auth, demand_id)
    services.demand_point_set(actor=request.auth, demand=demand, latitude=payload.latitude,
                              longitude=payload.longitude)
    return _out(request.auth, selectors.demand_get(request.auth, demand_id))


@router.get("/demands/{demand_id}", response=DemandOut, summary="One demand")
def demand_detail(request, demand_id: int):
    return _out(request.auth, selectors.demand_get(request.auth, demand_id))


@router.post("/demands/{demand_id}/publish", response=DemandOut, summary="Publish a draft (or approve one in review)")
def demand_publish(request, demand_id: int):
    demand = services.demand_publish(actor=request.auth, demand=selectors.demand_get(request.auth, demand_id))
    return _out(request.auth, selectors.demand_get(request.auth, demand.pk))


@router.post("/demands/{demand_id}/cancel", response=DemandOut, summary="Cancel before anyone checked in")
def demand_cancel(request, demand_id: int, payload: CancelIn | None = None):
    demand = selectors.demand_get(request.auth, demand_id)
    services.demand_cancel(actor=request.auth, demand=demand, reason=payload.reason if payload else "")
    return _out(request.auth, selectors.demand_get(request.auth, demand_id))


def _idempotent(request, key, operation: str, payload: dict, perform) -> Status:
    with transaction.atomic():
        status, body = run_idempotent(actor=request.auth, key=key, operation=operation, payload=payload,
                                      perform=perform)
    assignment = Assignment.objects.select_related("volunteer").get(pk=body["id"])
    return Status(status, assignment)


@router.post("/demands/{demand_id}/claim", response={201: AssignmentOut, 200: AssignmentOut},
             summary="Take one place (接单); accepts Idempotency-Key")
def demand_claim(request, demand_id: int, idempotency_key: str | None = IdempotencyKey):
    actor = request.auth
    # Before fetching the demand and opening a transaction: a full demand costs about one request's reads.
    services.claim_refused_at_once(actor=actor, demand_id=demand_id, volunteer=actor)

    def perform():
        demand = selectors.demand_get(actor, demand_id)
        return 201, {"id": services.demand_claim(actor=actor, demand=demand).pk}

    return _idempotent(request, idempotency_key, f"demands.claim:{demand_id}", {}, perform)


@router.post("/demands/{demand_id}/unclaim", response=AssignmentOut, summary="Give your place back before the cutoff")
def demand_unclaim(request, demand_id: int, payload: WhoIn | None = None):
    actor = request.auth
    demand = selectors.demand_get(actor, demand_id)
    volunteer = None
    if payload and payload.volunteer_id:
        volunteer = Person.objects.filter(pk=payload.volunteer_id).first()
        if volunteer is None:
            raise NotFound()
    return services.demand_unclaim(actor=actor, demand=demand, volunteer=volunteer)


@router.post("/demands/{demand_id}/dispatch", response={201: AssignmentOut},
             summary="Station staff give a place to a volunteer (派单)")
def demand_dispatch(request, demand_id: int, payload: DispatchIn):
    demand = selectors.demand_get(request.auth, demand_id)
    volunteer = Person.objects.filter(pk=payload.volunteer_id, bank_id=demand.bank_id).select_related("node").first()
    if volunteer is None:
        raise NotFound()
    return Status(201, services.demand_dispatch(actor=request.auth, demand=demand, volunteer=volunteer))


@router.get("/demands/{demand_id}/candidates", response=list[CandidateOut],
            summary="Fitting volunteers for a demand, nearest and best rated first (staff)")
def demand_candidates(request, demand_id: int):
    demand = selectors.demand_get(request.auth, demand_id)
    if not selectors.is_demand_staff(request.auth, demand):
        raise NotFound()
    return [{"volunteer_id": c.volunteer.pk, "name": c.volunteer.name,
             "station_name": c.volunteer.node.name if c.volunteer.node else None,
             "distance_m": round(c.distance_m) if c.distance_m is not None else None,
             "average_rating": c.rating, "upcoming_tasks": c.upcoming, "skilled": c.skilled,
             "usually_free": c.usually_free} for c in selectors.volunteers_for_demand(demand)]


@router.post("/demands/{demand_id}/check-in", response=AssignmentOut,
             summary="Check in (签到): location, station code, or staff confirmation")
def demand_check_in(request, demand_id: int, payload: CheckInIn):
    demand = selectors.demand_get(request.auth, demand_id)
    assignment = _assignment(request.auth, demand, payload)
    return services.assignment_check_in(actor=request.auth, assignment=assignment, latitude=payload.latitude,
                                        longitude=payload.longitude, station_code=payload.station_code,
                                        method=payload.method)


@router.post("/demands/{demand_id}/check-out", response=AssignmentOut, summary="Check out (签退); accepts Idempotency-Key")
def demand_check_out(request, demand_id: int, payload: CheckOutIn | None = None,
                     idempotency_key: str | None = IdempotencyKey):
    actor, payload = request.auth, payload or CheckOutIn()

    def perform():
        demand = selectors.demand_get(actor, demand_id)
        assignment = _assignment(actor, demand, payload)
        return 200, {"id": services.assignment_check_out(actor=actor, assignment=assignment, latitude=payload.latitude,
                                                         longitude=payload.longitude).pk}

    return _idempotent(request, idempotency_key, f"demands.check_out:{demand_id}", payload.dict(), perform)


@router.post("/demands/{demand_id}/confirm", response=AssignmentOut,
             summary="Confirm and rate 1–5 (the elder, a proxy or staff); credits once; accepts Idempotency-Key")
def demand_confirm(request, demand_id: int, payload: ServiceConfirmIn, idempotency_key: str | None = IdempotencyKey):
    actor = request.auth

    def perform():
        demand = selectors.demand_get(actor, demand_id)
        assignment = _assignment(actor, demand, payload, done_only=True)
        return 200, {"id": services.assignment_confirm(actor=actor, assignment=assignment, rating=payload.rating,
                                                       comment=payload.comment).pk}

    return _idempotent(request, idempotency_key, f"demands.confirm:{demand_id}", payload.dict(), perform)


@router.post("/demands/{demand_id}/dispute", response=AssignmentOut, summary="Dispute a service (投诉); no credit until decided")
def demand_dispute(request, demand_id: int, payload: DisputeIn):
    demand = selectors.demand_get(request.auth, demand_id)
    assignment = _assignment(request.auth, demand, payload, done_only=True)
    return services.assignment_dispute(actor=request.auth, assignment=assignment, reason=payload.reason)


def _series_out(actor, series_id: int) -> DemandSeries:
    series = selectors.series_get(actor, series_id)
    series.upcoming_shown = list(selectors.series_upcoming(series)[:100])
    return series


@router.get("/demand-series/{series_id}", response=SeriesOut, summary="A weekly request and its coming dates")
def series_detail(request, series_id: int):
    return _series_out(request.auth, series_id)


@router.patch("/demand-series/{series_id}", response=SeriesChangeOut,
              summary="Change a weekly request; coming dates nobody has taken change with it")
def series_change(request, series_id: int, payload: SeriesChangeIn):
    series = selectors.series_get(request.auth, series_id)
    fields = payload.dict(exclude_none=True)
    result = (services.series_update(actor=request.auth, series=series, **fields) if fields
              else {"changed": [], "kept": []})
    return {"series": _series_out(request.auth, series_id), **result}


@router.post("/demand-series/{series_id}/cancel", response=SeriesOut,
             summary="Stop a weekly request; its coming dates are cancelled")
def series_cancel(request, series_id: int, payload: CancelIn | None = None):
    series = selectors.series_get(request.auth, series_id)
    services.series_cancel(actor=request.auth, series=series, reason=payload.reason if payload else "")
    return _series_out(request.auth, series_id)


@router.get("/assignments/me", response=list[AssignmentOut], summary="My tasks as a volunteer, soonest first")
@paginate(Pages)
def my_assignments(request, live: bool | None = None):
    return selectors.assignments_of(request.auth, live=live).select_related("volunteer").order_by("-starts_at")







@router.post("/demands/{demand_id}/paper-services", response={201: AssignmentOut},
             summary="Record a service signed on paper (station staff; audited with the reason); it waits for "
                     "confirmation like any other")
def paper_service_record(request, demand_id: int, payload: PaperServiceIn):
    actor = request.auth
    demand = selectors.demand_get(actor, demand_id)
    if not selectors.is_demand_staff(actor, demand):
        raise NotFound()
    volunteer = selectors.branch_volunteers(demand).filter(pk=payload.volunteer_id).first()
    if volunteer is None:
        raise InvalidInput(_("Choose an approved volunteer of this branch."), code="volunteer_unknown")
    return Status(201, services.service_record_paper(actor=actor, demand=demand, volunteer=volunteer,
                                                     started_at=payload.started_at, ended_at=payload.ended_at,
                                                     reason=payload.reason))


@router.post("/assignments/{assignment_id}/resolve", response=AssignmentOut,
             summary="Decide a disputed service (branch admins): credit it, possibly for fewer minutes, or not")
def dispute_resolve(request, assignment_id: int, payload: DisputeResolveIn):
    actor = request.auth
    assignment = selectors.assignment_get(actor, assignment_id)
    if not has_perm(actor, Perm.DEMANDS_RESOLVE, assignment.demand.station):
        raise NotFound()
    return services.dispute_resolve(actor=actor, assignment=assignment, credit=payload.decision == "credit",
                                    served_minutes=payload.served_minutes, note=payload.note)


def _areas_out(actor: Person) -> list[dict]:
    if not actor.bank_id:
        return []
    areas = set(selectors.volunteer_branch_ids(actor))
    home = actor.node.parent_id if actor.node and actor.node.kind == NodeKind.STATION else None
    return [{"id": b.pk, "name": b.name, "home": b.pk == home, "chosen": b.pk in areas}
            for b in selectors.branches_to_opt_into(actor)]


@router.get("/me/notice-preferences", response=NoticePreferenceBody,
            summary="Which new requests you hear about (the defaults until you set them)")
def my_notice_preferences(request):
    return notice_preference_of(request.auth)


@router.put("/me/notice-preferences", response=NoticePreferenceBody,
            summary="Choose which new requests you hear about: at all, by short message, distance, kinds, free times")
def my_notice_preferences_set(request, payload: NoticePreferenceBody):
    actor = request.auth
    known = [t.code for t in selectors.service_types_of(actor.bank)] if actor.bank_id else []
    return notice_preference_set(actor=actor, known_codes=known, **payload.dict())


@router.get("/me/areas", response=list[AreaOut],
            summary="The branches of your bank whose requests you see as a volunteer (yours and those you chose)")
def my_areas(request):
    return _areas_out(request.auth)


@router.put("/me/areas", response=list[AreaOut],
            summary="Choose the further branches whose requests you want to see and take (replaces the choice)")
def my_areas_set(request, payload: AreasIn):
    actor = request.auth
    offered = {b.pk: b for b in selectors.branches_to_opt_into(actor)} if actor.bank_id else {}
    if any(pk not in offered for pk in payload.branch_ids):
        raise NotFound()
    home = actor.node.parent_id if actor.node and actor.node.kind == NodeKind.STATION else None
    services.volunteer_areas_set(actor=actor, branches=[offered[pk] for pk in dict.fromkeys(payload.branch_ids)
                                                        if pk != home])
    return _areas_out(actor)


# ---- offers (我能提供) ----------------------------------------------------------------------------

@router.get("/offers", response=list[MemberOfferOut],
            summary="Offers you may see: yours, your branch's open ones, and (staff) those of your stations")
@paginate(Pages)
def offer_list(request, q: str = Query("", max_length=40, description="the member (name, initials, phone's last "
                                                                      "4 digits) or the offer's words"),
               status: str = Query("", max_length=10), type: int | None = None, station: int | None = None,
               mine: bool = False):
    actor = request.auth
    return [selectors.offer_shown(actor, o) for o in selectors.offers_search(
        actor, query=q, status=status, type_id=type, station_id=station, mine=mine)[:500]]


@router.post("/offers", response={201: MemberOfferOut}, summary="Offer a kind of service at your home station (我能提供)")
def offer_create(request, payload: MemberOfferIn):
    actor: Person = request.auth
    if not actor.bank_id:
        raise NotFound()
    service_type = selectors.service_type_get(actor.bank, payload.service_type_id)
    offer = services.offer_create(actor=actor, service_type=service_type, description=payload.description,
                                  free_slots=payload.free_slots)
    return Status(201, selectors.offer_shown(actor, selectors.offer_get(actor, offer.pk)))


@router.get("/offers/{offer_id}", response=MemberOfferOut, summary="One offer")
def offer_detail(request, offer_id: int):
    return selectors.offer_shown(request.auth, selectors.offer_get(request.auth, offer_id))


def _offer_status(request, offer_id: int, status: str):
    actor = request.auth
    offer = services.offer_set_status(actor=actor, offer=selectors.offer_get(actor, offer_id), status=status)
    return selectors.offer_shown(actor, offer)


@router.post("/offers/{offer_id}/withdraw", response=MemberOfferOut,
             summary="Withdraw an offer (the member; staff of its station too); it stays withdrawn")
def offer_withdraw(request, offer_id: int):
    return _offer_status(request, offer_id, "withdrawn")


@router.post("/offers/{offer_id}/pause", response=MemberOfferOut, summary="Pause your offer (nobody makes requests from it)")
def offer_pause(request, offer_id: int):
    return _offer_status(request, offer_id, "paused")


@router.post("/offers/{offer_id}/resume", response=MemberOfferOut, summary="Offer again what you paused")
def offer_resume(request, offer_id: int):
    return _offer_status(request, offer_id, "active")


@router.post("/offers/{offer_id}/request", response={200: DemandOut, 201: DemandOut},
             summary="Make a request from an offer for an elder, the member assigned (station staff); accepts "
                     "Idempotency-Key")
def offer_request(request, offer_id: int, payload: OfferRequestIn, idempotency_key: str | None = IdempotencyKey):
    actor: Person = request.auth
    offer = selectors.offer_get(actor, offer_id)
    if not selectors.may_manage_offer(actor, offer):  # a read permission never makes a request
        raise NotYours()
    elder = access_elder(actor, payload.elder_id, for_=Perm.DEMANDS_MANAGE)
    demand, created = services.offer_request(
        actor=actor, offer=offer, elder=elder, starts_at=payload.starts_at, minutes=payload.minutes,
        payer=payload.payer, notes=payload.notes, key=idempotency_key or "")
    return Status(201 if created else 200, _out(actor, demand))
