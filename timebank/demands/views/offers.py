"""我能提供 pages. Members: the offers of their neighbours and their own (big and plain), post one,
pause, resume or withdraw it. Station staff: the offers of their stations (search, filters) and
"make a request from it" for an elder found by search."""
import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from timebank.lib.errors import DomainError
from timebank.lib.pages import form_error, page_of, signed_in_page, signed_in_post
from timebank.lib.week_slots import slot_label
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

from .. import selectors, services
from ..forms import OfferFilterForm, OfferForm, OfferRequestForm
from ..models import OfferStatus
from .replies import DEMAND_FIELDS, done, refused
from .station import _elder_matches, stations_in_reach

OFFER_FIELDS = {"service_type_unavailable": "service_type", "description_invalid": "description",
                "free_times_invalid": "free_slots", "home_station_required": None}
STATUS_ACTIONS = {"pause": OfferStatus.PAUSED, "resume": OfferStatus.ACTIVE, "withdraw": OfferStatus.WITHDRAWN}


def _shown(actor, offers):
    for offer in offers:
        selectors.offer_shown(actor, offer)
        offer.free_times = [slot_label(s) for s in offer.free_slots]
    return offers


@signed_in_page
def offers(request):
    """The member's page: what neighbours offer (open offers of the home branch) and their own."""
    actor = request.user
    visible = selectors.offers_visible_to(actor)
    mine = list(visible.filter(person=actor).exclude(status=OfferStatus.WITHDRAWN).order_by("-created_at")[:20])
    nearby = list(visible.filter(status=OfferStatus.ACTIVE).exclude(person=actor)
                  .filter(branch_id=actor.node.parent_id if actor.node_id else None).order_by("-created_at")[:50])
    return render(request, "demands/offers.html", {
        "mine": _shown(actor, mine), "nearby": _shown(actor, nearby),
        "can_offer": bool(actor.node_id), "staff": has_perm(actor, Perm.DEMANDS_VIEW)})


@signed_in_page
def offer_new(request):
    actor = request.user
    types = selectors.service_types_of(actor.bank) if actor.bank_id else selectors.ServiceType.objects.none()
    form = OfferForm(request.POST or None, types=types)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            offer = services.offer_create(actor=actor, service_type=data["service_type"],
                                          description=data["description"], free_slots=data["free_slots"])
        except DomainError as err:
            form_error(form, err, OFFER_FIELDS)
        else:
            messages.success(request, _("Thank you. Your offer is listed for your station."))
            return redirect("demands:offer_detail", pk=offer.pk)
    return render(request, "demands/offer_new.html", {"form": form}, status=422 if form.errors else 200)


@signed_in_page
def offer_board(request):
    """Station staff: the offers of the stations in reach, with search and filters."""
    actor = request.user
    if not has_perm(actor, Perm.DEMANDS_VIEW):
        raise Http404()
    stations = stations_in_reach(actor, Perm.DEMANDS_VIEW)
    form = OfferFilterForm(request.GET or None, types=selectors.service_types_of(actor.bank, active_only=False)
                           if actor.bank_id else selectors.ServiceType.objects.none(), stations=stations)
    filters = form.cleaned_data if form.is_valid() else {}
    found = selectors.offers_search(actor, query=filters.get("q", ""), status=filters.get("status", ""),
                                    type_id=filters["type"].pk if filters.get("type") else None,
                                    station_id=filters["station"].pk if filters.get("station") else None)
    found = found.filter(station__in=stations)  # staff see their stations' offers here, not the neighbours'
    page = page_of(request, found)
    _shown(actor, page.object_list)
    return render(request, "demands/offer_board.html", {"form": form, "page": page})


@signed_in_page
def offer_detail(request, pk: int):
    actor = request.user
    offer = _shown(actor, [selectors.offer_get(actor, pk)])[0]
    can_request = selectors.may_manage_offer(actor, offer) and offer.status == OfferStatus.ACTIVE
    return render(request, "demands/offer_detail.html", {
        "offer": offer, "own": offer.person_id == actor.pk, "can_request": can_request,
        "can_withdraw": offer.status != OfferStatus.WITHDRAWN and (
            offer.person_id == actor.pk or selectors.may_manage_offer(actor, offer)),
        "requests": selectors.offer_requests(offer)[:50] if offer.close_to_actor else []})


@signed_in_post
def offer_status(request, pk: int):
    actor = request.user
    offer = selectors.offer_get(actor, pk)
    status = STATUS_ACTIONS.get(request.POST.get("action", ""))
    back = reverse("demands:offer_detail", args=[offer.pk])
    if status is None:
        messages.error(request, _("Press pause, offer again or withdraw."))
        return redirect(back)
    try:
        services.offer_set_status(actor=actor, offer=offer, status=status)
    except DomainError as err:
        return refused(request, err, back)
    return done(request, {OfferStatus.PAUSED: _("Your offer is paused."), OfferStatus.ACTIVE: _("You offer it again."),
                          OfferStatus.WITHDRAWN: _("The offer is withdrawn.")}[status], back)


@signed_in_page
def offer_request(request, pk: int):
    """Station staff: a request from this offer for an elder found by search, the member assigned."""
    actor = request.user
    offer = selectors.offer_get(actor, pk)
    if not selectors.may_manage_offer(actor, offer):
        raise Http404()
    query = (request.POST.get("elder_q") or request.GET.get("elder_q") or "").strip()[:40]
    initial = {"key": uuid.uuid4().hex}
    if request.method == "GET" and "elder_q" in request.GET:  # the search button without JavaScript
        initial.update({k: v for k, v in request.GET.items() if k not in ("csrfmiddlewaretoken", "elder_q")})
    form = OfferRequestForm(request.POST or None, actor=actor, elder_query=query,
                            elder_matches=_elder_matches(actor, query), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        starts_at, ends_at = form.moments()
        minutes = int((ends_at - starts_at).total_seconds() // 60)
        try:
            demand, created = services.offer_request(
                actor=actor, offer=offer, elder=data["elder"], starts_at=starts_at, minutes=minutes,
                payer=data["payer"], notes=data["notes"], key=data["key"] or "")
        except DomainError as err:
            form_error(form, err, {**DEMAND_FIELDS, "times_invalid": "end", "offer_closed": None})
        else:
            messages.success(request, _("Request published with %(name)s assigned.") % {"name": offer.person.name}
                             if created else _("This request was already made; here it is."))
            return redirect("demands:detail", pk=demand.pk)
    return render(request, "demands/offer_request.html", {"form": form, "offer": _shown(actor, [offer])[0]},
                  status=422 if form.errors else 200)
