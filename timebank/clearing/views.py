"""Clearing pages: the city's (or a bank's) positions and netting runs, a bank's printed statement, a
gift to family in another district, moving a member to another district, and the city's clearing with
other deployments (partner platforms and their reconciliation reports)."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from timebank.ledger.display import mask_name, minutes_in_words
from timebank.lib.errors import DomainError, NotFound
from timebank.lib.pages import form_error, page_of, pdf_inline, refusals_shown_on, signed_in_page
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

from . import federation, selectors, services, statement_pdf
from .forms import CityGiftForm, CrossBankGiftForm, MemberMoveForm, NettingForm, ReconcileForm

GIFT_FIELDS = {"insufficient_balance": "hours", "amount_invalid": "hours", "limit_exceeded": "hours",
               "balance_cap_exceeded": "hours", "recipient_unknown": "mobile", "not_another_bank": "mobile",
               "gift_not_allowed": "mobile", "gift_to_actor": "mobile"}


@signed_in_page
def index(request):
    actor = request.user
    if not has_perm(actor, Perm.CLEARING_VIEW):
        raise Http404
    platforms = selectors.platforms_in_reach(actor)
    if request.method == "POST" and not platforms:
        raise Http404
    form = NettingForm(request.POST or None) if platforms else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            run = services.netting_run(actor=actor, platform=platforms[0], business_day=form.cleaned_data["business_day"])
            messages.success(request, _("Settled: %(n)s records between banks.") % {"n": run.records})
            return redirect("clearing:run", run.pk)
        except DomainError as err:
            form_error(form, err, {"netting_already_run": "business_day", "day_in_future": "business_day"})
    positions = selectors.positions_now(actor)
    return render(request, "clearing/index.html", {
        "positions": [p for p in positions if p.balance], "net": selectors.net_by_bank(positions),
        "page": page_of(request, selectors.runs_visible_to(actor), 20), "form": form,
        "banks": selectors.banks_in_reach(actor),
        "federation": bool(selectors.platforms_in_reach(actor, Perm.CLEARING_VIEW))},
        status=422 if form is not None and form.errors else 200)


@signed_in_page
def run_detail(request, pk: int):
    actor = request.user
    try:
        run = selectors.run_get(actor, pk)
    except NotFound:
        raise Http404 from None
    positions = list(selectors.run_positions(actor, run))
    return render(request, "clearing/run.html", {"run": run, "positions": positions,
                                                 "net": selectors.net_by_bank(positions),
                                                 "banks": selectors.banks_in_reach(actor)})


@signed_in_page
def statement(request, pk: int, bank_pk: int):
    actor = request.user
    try:
        run = selectors.run_get(actor, pk)
        bank = selectors.bank_in_reach(actor, bank_pk)
    except NotFound:
        raise Http404 from None
    positions = [p for p in selectors.run_positions(actor, run) if p.bank_id == bank.pk]
    return pdf_inline(statement_pdf.statement(run=run, bank=bank, positions=positions),
                      f"clearing-{bank.pk}-{run.business_day}.pdf")


@signed_in_page
def gift(request, pk: int | None = None):
    """送给其他区的家人: the recipient by mobile number, shown (name masked, bank) before the coins go."""
    actor = request.user
    try:
        sender = selectors.sender_for(actor, pk)
    except NotFound:
        raise Http404 from None
    form = CrossBankGiftForm(request.POST or None)
    context = {"owner": sender, "acting_for": sender.pk != actor.pk}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusals_shown_on(form, GIFT_FIELDS):
            recipient = services.recipient_in_other_bank(sender, data["mobile"])
            context["recipient_shown"] = f"{mask_name(recipient.name)} · {recipient.bank.name}"
            if request.POST.get("step") == "confirm":
                record = services.cross_bank_gift(actor=actor, sender=sender, recipient=recipient,
                                                  amount=data["minutes_total"], memo=data.get("memo", ""),
                                                  idempotency_key=f"page:{actor.pk}:{data['key']}")
                messages.success(request, _("%(amount)s sent to %(name)s.") % {
                    "amount": minutes_in_words(record.amount), "name": context["recipient_shown"]})
                return redirect("ledger:mine" if sender.pk == actor.pk else "ledger:coins",
                                *([] if sender.pk == actor.pk else [sender.pk]))
            context["confirming"] = True
    context["form"] = form
    return render(request, "clearing/gift.html", context, status=422 if form.errors else 200)


CITY_GIFT_FIELDS = {"insufficient_balance": "hours", "amount_invalid": "hours", "limit_exceeded": "hours",
                    "recipient_required": "mobile", "gift_not_allowed": "mobile", "peer_unknown": "peer"}


@signed_in_page
def city_gift(request, pk: int | None = None):
    """送给其他城市的家人 (twin of POST /api/v1/federation/gifts): the coins leave at once; the other city
    credits the member it finds by mobile number and full name, or refuses and the coins come back."""
    actor = request.user
    try:
        sender = selectors.sender_for(actor, pk)
    except NotFound:
        raise Http404 from None
    peers = list(selectors.peers_for_sender(sender))
    form = CityGiftForm(request.POST or None, peers=peers)
    context = {"owner": sender, "acting_for": sender.pk != actor.pk, "peers": peers,
               "sent": selectors.outbound_of(sender)[:10]}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusals_shown_on(form, CITY_GIFT_FIELDS):
            peer = selectors.peer_for_sender(sender, data["peer"])
            context["peer"] = peer
            if request.POST.get("step") == "confirm":
                federation.federation_gift(actor=actor, sender=sender, peer=peer, mobile=data["mobile"],
                                           name=data["name"], amount=data["minutes_total"], memo=data.get("memo", ""),
                                           idempotency_key=f"page:{actor.pk}:{data['key']}")
                messages.success(request, _("%(amount)s sent to %(name)s in %(city)s. It reaches them once their "
                                            "time bank has checked the name; if it cannot, the coins come back.") % {
                    "amount": minutes_in_words(data["minutes_total"]), "name": data["name"], "city": peer.name})
                return redirect("clearing:city_gift_mine" if sender.pk == actor.pk else "clearing:city_gift", *(
                    [] if sender.pk == actor.pk else [sender.pk]))
            context["confirming"] = True
    context["form"] = form
    return render(request, "clearing/city_gift.html", context, status=422 if form.errors else 200)


@signed_in_page
def move(request, person_pk: int):
    actor = request.user
    try:
        person = selectors.person_to_move(actor, person_pk)
    except NotFound:
        raise Http404 from None
    stations = list(selectors.move_destinations(person))
    form = MemberMoveForm(request.POST or None, stations=stations)
    if request.method == "POST" and form.is_valid():
        station = next(s for s in stations if s.pk == form.cleaned_data["station"])
        with refusals_shown_on(form, {"reason_required": "reason", "move_blocked": None}):
            done = services.member_move(actor=actor, person=person, station=station, reason=form.cleaned_data["reason"])
            messages.success(request, _("%(name)s moved to %(station)s with %(amount)s.") % {
                "name": person.name, "station": station.name, "amount": minutes_in_words(done.minutes)})
            return redirect("clearing:index" if has_perm(actor, Perm.CLEARING_VIEW) else "people:list")
    return render(request, "clearing/move.html", {"person": person, "form": form,
                                                  "moves": selectors.moves_of(person)},
                  status=422 if form.errors else 200)


@signed_in_page
def federation_index(request):
    """The city's clearing with other deployments: each partner platform, its messages and the latest
    reconciliation, and (clearing.run) a reconciliation now."""
    actor = request.user
    if not selectors.platforms_in_reach(actor, Perm.CLEARING_VIEW):
        raise Http404
    runnable = [p for p in selectors.peers_visible_to(actor) if has_perm(actor, Perm.CLEARING_RUN, p.platform)]
    if request.method == "POST" and not runnable:
        raise Http404
    form = ReconcileForm(request.POST or None, peers=runnable) if runnable else None
    if request.method == "POST" and form is not None and form.is_valid():
        peer = next(p for p in runnable if p.pk == form.cleaned_data["peer"])
        with refusals_shown_on(form, {}):
            report = federation.federation_reconcile(actor=actor, peer=peer)
            if report.matches:
                messages.success(request, _("Both sides agree with %(peer)s.") % {"peer": peer.name})
            else:
                messages.error(request, _("The clearing with %(peer)s does not agree; see the report.") % {
                    "peer": peer.name})
            return redirect("clearing:federation")
    return render(request, "clearing/federation.html", {
        "peers": selectors.peer_summaries(actor), "form": form,
        "page": page_of(request, selectors.reports_visible_to(actor), 20)},
        status=422 if form is not None and form.errors else 200)
