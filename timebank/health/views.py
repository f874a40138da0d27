"""Health pages: the medical staff's alert queue, an elder's health page with trends (values for
those allowed, counts for other staff), the elder's own page in large type, the printable summary,
cards, devices, hand entry and thresholds. Thin: parse, call a service, render."""
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from timebank.lib.errors import DomainError
from timebank.lib.pages import (
    form_error,
    page_of,
    query_without,
    safe_next,
    signed_in_page,
    signed_in_post,
    table_download,
)
from timebank.lib.text import clean_text
from timebank.orgs.models import Node
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.models import Person
from timebank.people.selectors import elders_matching

from . import selectors, services
from .charts import trend_svg
from .classification import advice_for, value_text
from .exceptions import AlertAlreadyDone, ValuesHidden
from .forms import (
    AlertFilterForm,
    CardFilterForm,
    CardForm,
    DeviceFilterForm,
    DeviceForm,
    FollowUpForm,
    ManualReadingForm,
    ThresholdsForm,
    elders_for_cards,
)
from .models import HealthCard, ReadingKind
from .summary_pdf import health_summary_pdf


def _require(user, perm: str) -> None:
    if not has_perm(user, perm):
        raise Http404()


def _export(request, name: str, header: list, rows) -> HttpResponse:
    """The one place a health table becomes a file: CSV, or XLSX with `&format=xlsx`."""
    return table_download(request, f"{name}-{timezone.localdate():%Y%m%d}", header, rows)


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@login_required
def queue(request):
    """Medical staff: open alerts, urgent first then oldest, with filters and a CSV export.
    Admins: the branch figures (counts only)."""
    if not (has_perm(request.user, Perm.HEALTH_VIEW) or has_perm(request.user, Perm.HEALTH_STATS)):
        raise Http404()
    form = AlertFilterForm(request.GET, nodes=selectors.alert_nodes(request.user))
    form.is_valid()
    data = form.cleaned_data
    alerts = selectors.alert_queue(request.user, status=data.get("status") or "", severity=data.get("severity") or "",
                                   rule=data.get("rule") or "", node_id=data.get("node"), q=data.get("q") or "",
                                   opened_from=data.get("opened_from"), opened_to=data.get("opened_to"))
    export = request.GET.get("export")
    if export == "alerts":
        services.health_export_record(actor=request.user, what="alerts", filters=request.GET.dict())
        alerts = alerts.select_related("acknowledged_by", "followed_up_by", "closed_by")
        return _export(request, "health-alerts", [
            _("Number"), _("Severity"), _("Rule"), _("Status"), _("Elder"), _("Station"), _("Readings"), _("Opened"),
            _("Escalations"), _("Acknowledged"), pgettext("actor", "By"), _("Followed up"), _("Outcome"), _("Note"), _("Closed")],
            ([a.pk, a.get_severity_display(), a.get_rule_display(), a.get_status_display(), a.elder.name,
              a.station.name, a.readings_count, _when(a.opened_at), a.escalations, _when(a.acknowledged_at),
              a.acknowledged_by.name if a.acknowledged_by else "", _when(a.followed_up_at), a.get_outcome_display(),
              a.note, _when(a.closed_at)] for a in alerts.iterator(chunk_size=500)))
    figures = selectors.branch_figures(request.user)
    if export == "figures":
        return _export(request, "health-figures", [_("Branch"), _("Readings taken"), _("Elders measured"),
                                          _("Alerts opened"), _("Alerts closed"), _("Overdue")],
                       ([f["branch"], f["readings"], f["elders"], f["opened"], f["closed"], f["overdue"]]
                        for f in figures))
    page = page_of(request, alerts.select_related("reading"))
    for alert in page:  # the readings behind each alert: the first and the latest
        alert.behind = [value_text(alert.reading)] + (
            [value_text(alert.last_reading)] if alert.last_reading_id != alert.reading_id else [])
    return render(request, "health/queue.html", {
        "page": page, "figures": figures, "form": form,
        "query": query_without(request, "page", "export", "format"),
        "follow_up_form": FollowUpForm(), "can_act": has_perm(request.user, Perm.HEALTH_MANAGE),
        "can_view": has_perm(request.user, Perm.HEALTH_VIEW)})


@signed_in_post
def alert_contacts(request, alert_id: int):
    """Medical staff's follow-up call: the numbers to ring for an open alert (an audited reveal)."""
    alert = selectors.alert_get(request.user, alert_id)
    try:
        contacts = services.alert_contacts_reveal(actor=request.user, alert=alert)
    except DomainError as err:
        if err.status == 404:
            raise
        messages.error(request, str(err.message))
        return redirect("health:queue")
    return render(request, "health/alert_contacts.html", {"alert": alert, "contacts": contacts,
                                                          "behind": [value_text(alert.reading),
                                                                     value_text(alert.last_reading)]})


@signed_in_post
def alert_action(request, alert_id: int, action: str):
    alert = selectors.alert_get(request.user, alert_id)
    try:
        if action == "acknowledge":
            services.alert_acknowledge(actor=request.user, alert=alert)
        elif action == "follow-up":
            form = FollowUpForm(request.POST)
            outcome = form.data.get("outcome", "")
            services.alert_follow_up(actor=request.user, alert=alert, outcome=outcome, note=form.data.get("note", ""))
        elif action == "close":
            services.alert_close(actor=request.user, alert=alert,
                                     note=clean_text(request.POST.get("note", ""), multiline=True))
        else:
            raise Http404()
        messages.success(request, _("Saved."))
    except AlertAlreadyDone as err:
        # A double click or a colleague was quicker: one effect, and say so plainly.
        messages.info(request, str(err.message))
    except DomainError as err:
        messages.error(request, str(err.message))
    return redirect(safe_next(request, reverse("health:queue")))


def _period(request) -> tuple[str, dt.datetime]:
    period = request.GET.get("period", "30d")
    if period not in selectors.PERIODS:
        period = "30d"
    return period, timezone.now() - dt.timedelta(days=selectors.PERIODS[period])


def _trend_context(elder: Person, period: str, since: dt.datetime) -> dict:
    thresholds = selectors.thresholds_for(elder.bank, elder)
    readings = list(selectors.readings_of(elder, since=since)[:2000])
    now = timezone.now()
    titles = {ReadingKind.BP: _("Blood pressure (mmHg)"), ReadingKind.GLUCOSE: _("Blood glucose (mmol/L)"),
              ReadingKind.HEART_RATE: _("Heart rate (bpm)")}
    charts = [(titles[kind], trend_svg([r for r in readings if r.kind == kind], kind, thresholds, since, now,
                                       titles[kind])) for kind in ReadingKind.values
              if any(r.kind == kind for r in readings)]
    latest = [(r, value_text(r), advice_for(r.kind, r.level)) for r in selectors.latest_readings(elder)]
    return {"elder": elder, "period": period, "periods": list(selectors.PERIODS), "charts": charts,
            "rows": [(r, value_text(r)) for r in readings[:200]], "latest": latest, "thresholds": thresholds}


@signed_in_page
def elder_page(request, person_id: int):
    try:
        elder = selectors.elder_for_values(request.user, person_id)
    except ValuesHidden:
        elder = selectors.elder_for_counts(request.user, person_id)
        return render(request, "health/elder_counts.html", {"elder": elder, "counts": selectors.elder_counts(elder),
                                                            "can_consent": _can_record_consent(request.user, elder)})
    period, since = _period(request)
    if request.GET.get("export") == "csv":
        services.health_view_record(actor=request.user, elder=elder, what="csv")
        return _export(request, f"health-{elder.pk}", [_("Measured at"), _("Kind"), _("Value"), _("Level"), _("When"),
                                             _("Source")],
                       ([_when(r.measured_at), r.get_kind_display(), value_text(r), r.get_level_display(),
                         r.get_glucose_context_display(), _("by hand") if r.manual else _("device")]
                        for r in selectors.readings_of(elder, since=since).iterator(chunk_size=500)))
    services.health_view_record(actor=request.user, elder=elder, what="page")
    context = _trend_context(elder, period, since)
    context["can_manage"] = elder.node is not None and has_perm(request.user, Perm.HEALTH_MANAGE, elder.node)
    context["can_consent"] = _can_record_consent(request.user, elder)
    if request.user.pk == elder.pk or not context["can_manage"] and not has_perm(request.user, Perm.HEALTH_VIEW):
        return render(request, "health/mine.html", context)
    return render(request, "health/elder.html", context)


def _can_record_consent(user, elder: Person) -> bool:
    return user.pk == elder.pk or (elder.node is not None and has_perm(user, Perm.PEOPLE_EDIT, elder.node))


@login_required
def mine(request):
    """The elder's own page, or for a proxy the elders who let them see their health."""
    if request.user.is_elder:
        return redirect("health:elder", request.user.pk)
    elders = selectors.elders_of_proxy(request.user)
    if len(elders) == 1:
        return redirect("health:elder", elders[0].pk)
    return render(request, "health/choose_elder.html", {"elders": elders})


@signed_in_page
def elder_pdf(request, person_id: int):
    try:
        elder = selectors.elder_for_values(request.user, person_id)
    except ValuesHidden:
        raise Http404() from None
    services.health_view_record(actor=request.user, elder=elder, what="pdf")
    readings = list(selectors.readings_of(elder)[:40])
    body = health_summary_pdf(elder, selectors.latest_readings(elder), readings,
                              selectors.thresholds_for(elder.bank, elder))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="health-{elder.pk}.pdf"'
    return response


def _filtered(request, filter_form, visible_to, choice: str):
    """A staff register's filters as the query string gives them, and the rows they select: a search
    `q` and one choice (`choice` names it)."""
    filters = filter_form(request.GET)
    filters.is_valid()
    found = visible_to(request.user, q=filters.cleaned_data.get("q") or "",
                       **{choice: filters.cleaned_data.get(choice) or ""})
    return filters, found


def _pressed(request, button: str, rows):
    """The row of a staff register whose button was pressed (the button's value is the row's id); 404
    when it is not among `rows`."""
    row = rows.filter(pk=request.POST.get(button)).first()
    if row is None:
        raise Http404()
    return row


def _card_elder_matches(actor, query: str) -> list[Person]:
    return elders_matching(actor, query, among=elders_for_cards(actor))


@login_required
def elder_search(request):
    """The card form's live elder search (HTMX): the matching elders as choices."""
    _require(request.user, Perm.HEALTH_CARDS)
    query = request.GET.get("elder_q", "").strip()[:40]
    return render(request, "demands/_elder_results.html", {
        "people": _card_elder_matches(request.user, query), "query": query, "name": "elder", "value": "",
        "allow_none": False})


@login_required
def cards(request):
    _require(request.user, Perm.HEALTH_CARDS)
    query = (request.POST.get("elder_q") or request.GET.get("elder_q") or "").strip()[:40]
    initial = {k: v for k, v in request.GET.items() if k in ("uid", "elder")} if "elder_q" in request.GET else {}
    form = CardForm(request.POST or None, actor=request.user, elder_query=query,
                    elder_matches=_card_elder_matches(request.user, query), initial=initial)
    if request.method == "POST":
        try:
            if "lost" in request.POST:
                card = _pressed(request, "lost", selectors.cards_visible_to(request.user))
                services.card_report_lost(actor=request.user, card=card)
                messages.success(request, _("The card was reported lost and stops working now."))
                return redirect("health:cards")
            if form.is_valid():
                elder = form.cleaned_data["elder"]  # chosen among the elders in reach (the picker's queryset)
                lost = HealthCard.objects.filter(elder=elder).order_by("-issued_at").first()
                if lost is not None and lost.status == "lost":
                    services.card_reissue(actor=request.user, card=lost, uid=form.cleaned_data["uid"])
                else:
                    services.card_issue(actor=request.user, elder=elder, uid=form.cleaned_data["uid"])
                messages.success(request, _("Card issued to %(name)s.") % {"name": elder.name})
                return redirect("health:cards")
        except DomainError as err:
            form_error(form, err, {"card_uid_taken": "uid", "card_uid_invalid": "uid"})
    filters, found = _filtered(request, CardFilterForm, selectors.cards_visible_to, "status")
    if request.GET.get("export") == "csv":
        return _export(request, "health-cards", [_("Card UID"), _("Elder"), _("Station"), _("Status"), _("Issued at"),
                                        _("Ended at")],
                       ([c.uid, c.elder.name, c.elder.node.name if c.elder.node else "", c.get_status_display(),
                         _when(c.issued_at), _when(c.ended_at)] for c in found.iterator(chunk_size=500)))
    return render(request, "health/cards.html", {"form": form, "filters": filters, "page": page_of(request, found),
                                                 "query": query_without(request, "page", "export", "format")},
                  status=422 if request.method == "POST" and form.errors else 200)


@login_required
def devices(request):
    _require(request.user, Perm.HEALTH_DEVICES)
    form = DeviceForm(request.POST or None, actor=request.user)
    raw_token = None
    if request.method == "POST":
        try:
            if "revoke" in request.POST:
                device = _pressed(request, "revoke", selectors.devices_visible_to(request.user))
                services.device_revoke(actor=request.user, device=device)
                return redirect("health:devices")
            if form.is_valid():
                station = Node.objects.filter(pk=form.cleaned_data["station_id"]).first()
                device, raw_token = services.device_register(actor=request.user, station=station,
                                                             serial=form.cleaned_data["serial"],
                                                             model=form.cleaned_data["model"])
                form = DeviceForm(actor=request.user)
        except DomainError as err:
            form_error(form, err, {"device_serial_taken": "serial", "station_invalid": "station_id"})
    filters, found = _filtered(request, DeviceFilterForm, selectors.devices_visible_to, "state")
    if request.GET.get("export") == "csv":
        return _export(request, "health-devices", [_("Serial number"), _("Model"), _("Station"), _("Token"), _("Registered"),
                                          _("Last seen"), _("Revoked")],
                       ([d.serial, d.model, d.station.name, f"{d.prefix}…", _when(d.created_at),
                         _when(d.last_seen_at), _when(d.revoked_at)] for d in found))
    return render(request, "health/devices.html", {
        "form": form, "raw_token": raw_token, "filters": filters, "page": page_of(request, found),
        "query": query_without(request, "page", "export", "format")})


@signed_in_page
def reading_new(request, person_id: int):
    elder = selectors.elder_for_values(request.user, person_id)
    if not has_perm(request.user, Perm.HEALTH_MANAGE, elder.node):
        raise Http404()
    form = ManualReadingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        item = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        if "glucose" in item:
            item["glucose"] = str(item["glucose"])
        try:
            services.reading_enter(actor=request.user, elder=elder, item=item)
            messages.success(request, _("Reading saved."))
            return redirect("health:elder", elder.pk)
        except DomainError as err:
            form.add_error(None, f"{err.message} ({err.code})")
    return render(request, "health/reading_new.html", {"form": form, "elder": elder})


@signed_in_page
def thresholds(request, person_id: int | None = None):
    """Bank limits (the medical lead) or one elder's own limits (medical staff, with a reason)."""
    elder = selectors.elder_for_values(request.user, person_id) if person_id else None
    if elder is not None:
        bank = elder.bank
    else:
        bank = selectors.limits_bank_of(request.user)
    current = selectors.thresholds_for(bank, elder)
    form = ThresholdsForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k not in ("reason", "effective_from")}
        try:
            services.thresholds_set(actor=request.user, bank=bank, elder=elder, reason=form.cleaned_data["reason"],
                                    effective_from=form.cleaned_data.get("effective_from"), **values)
            messages.success(request, _("The new limits are in force."))
            return redirect(request.path)
        except DomainError as err:
            form_error(form, err, {"reason_required": "reason", "effective_from_past": "effective_from"})
    return render(request, "health/thresholds.html", {
        "form": form, "elder": elder, "bank": bank, "history": selectors.thresholds_history(bank, elder)})


@signed_in_page
def consents(request, person_id: int):
    """Who may see the elder's health values and hear of their alerts. The elder (or staff recording a
    signed form) grants and withdraws; a proxy sees only their own line and may withdraw it."""
    elder, may_decide = selectors.elder_for_consent(request.user, person_id)
    only = None if may_decide else request.user
    if request.method == "POST":
        proxy = Person.objects.filter(pk=_int_or_none(request.POST.get("proxy_id"))).first()
        consent = request.POST.get("consent") == "1"
        if proxy is None or (only is not None and proxy.pk != only.pk):
            raise Http404()
        try:
            changed = services.proxy_health_consent_set(actor=request.user, elder=elder, proxy=proxy, consent=consent)
        except DomainError as err:
            messages.error(request, str(err.message))
        else:
            if not changed:
                messages.info(request, _("That was already so. Nothing was changed."))
            elif consent:
                messages.success(request, _("%(name)s can now see the health readings and hears of alerts.")
                                 % {"name": proxy.name})
            else:
                messages.success(request, _("%(name)s no longer sees the health readings.") % {"name": proxy.name})
        return redirect("health:consents", elder.pk)
    return render(request, "health/consents.html", {
        "elder": elder, "may_decide": may_decide, "rows": selectors.consent_rows(elder, only_proxy=only),
        "history": selectors.consent_history(elder, only_proxy=only)[:50]})


def _int_or_none(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2 ** 63 else None
