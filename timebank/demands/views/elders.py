"""Pages for elders and their proxies: my requests, asking for help, confirming a service with five
faces, and disputing it."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from timebank.lib.errors import DomainError
from timebank.lib.pages import form_error, page_of, safe_next, signed_in_page
from timebank.people.selectors import elders_acted_for

from .. import selectors, services
from ..forms import ElsewhereDemandForm, MemberDemandForm, RatingForm, ReasonForm, member_elders
from ..models import Demand, DemandStatus, Payer
from .replies import DEMAND_FIELDS


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
def request_elsewhere(request):
    """在其他区预约服务: first the district (another bank of the platform that allows it), then the
    station, the service and the time; the elder pays with their own coins, held in their own bank."""
    actor = request.user
    elders = member_elders(actor)
    if not elders.exists():
        raise Http404()
    banks = selectors.banks_elsewhere(list(elders.select_related("bank")))
    chosen = request.POST.get("bank") or request.GET.get("bank") or ""
    bank = next((b for b in banks if str(b.pk) == chosen), None)
    form = None
    if bank is not None:
        form = ElsewhereDemandForm(request.POST or None, elders=elders, stations=selectors.stations_of_bank(bank),
                                   types=selectors.service_types_of(bank).filter(mode="one_to_one"),
                                   initial={"bank": bank.pk})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            starts_at, ends_at = form.moments()
            elder = data["elder"]
            try:
                demand = services.demand_create(
                    actor=actor, station=data["station"], service_type=data["service_type"], starts_at=starts_at,
                    ends_at=ends_at, elder=elder, address=data["address"] or elder.address, notes=data["notes"],
                    payer=Payer.ELDER, publish=True)
            except DomainError as err:
                form_error(form, err, DEMAND_FIELDS)
            else:
                messages.success(request, _("Your request is published.") if demand.status == DemandStatus.PUBLISHED
                                 else _("Your request is sent to the service station for review."))
                return redirect("demands:requests")
    refused = request.method == "POST" and (form is None or bool(form.errors))
    return render(request, "demands/request_elsewhere.html", {"banks": banks, "bank": bank, "form": form},
                  status=422 if refused else 200)


def _about_service(request, pk: int, form_class, template: str, act, success: str, fields_by_code=None):
    """The requester's form about one service: `act(actor, assignment, data)` calls the service; a refusal
    is shown on the form, success goes back to the requests (or `next`)."""
    actor = request.user
    assignment = selectors.assignment_get(actor, pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            act(actor, assignment, form.cleaned_data)
        except DomainError as err:
            form_error(form, err, fields_by_code)
        else:
            messages.success(request, success)
            return redirect(safe_next(request, reverse("demands:requests")))
    return render(request, template, {"assignment": assignment, "demand": assignment.demand, "form": form})


@signed_in_page
def confirm(request, pk: int):
    return _about_service(
        request, pk, RatingForm, "demands/confirm.html",
        lambda actor, assignment, data: services.assignment_confirm(actor=actor, assignment=assignment,
                                                                    rating=data["rating"], comment=data["comment"]),
        _("Thank you! The volunteer's hours are credited."), {"rating_invalid": "rating"})


@signed_in_page
def dispute(request, pk: int):
    return _about_service(
        request, pk, ReasonForm, "demands/dispute.html",
        lambda actor, assignment, data: services.assignment_dispute(actor=actor, assignment=assignment,
                                                                    reason=data["reason"]),
        _("Your complaint is recorded. The branch will look into it."))
