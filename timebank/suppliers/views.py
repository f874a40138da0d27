"""Supplier pages. Staff: the register with filters and CSV, the admission queue, a supplier's
detail with its history, score chart and monthly settlement (page and XLSX), the complaint board,
meetings. Supplier staff: a phone-friendly order inbox. Members: book, confirm, complain."""
import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from timebank.demands.models import ServiceType
from timebank.lib.errors import DomainError, NotFound, PermissionDenied
from timebank.lib.pages import domain_errors_as_http, export_format, form_error, page_of, query_without, safe_next, table_download
from timebank.orgs.models import NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, nodes_visible_to
from timebank.people.access import SELF_OR_PROXY, elders_in_reach
from timebank.people.models import Person
from timebank.people.selectors import elders_acted_for, person_by_mobile

from . import selectors, services
from .forms import (
    ApplicationForm,
    BookForm,
    CommendationForm,
    ComplaintForm,
    MeetingForm,
    MemberForm,
    OfferForm,
    RatingForm,
    ReasonForm,
    ResolveForm,
    SupplierFilterForm,
    SupplierForm,
    TransitionForm,
)
from .models import ComplaintPhoto, ComplaintStatus, GuaranteeOffer, SupplierStatus


def _staff_or_404(request, perm=Perm.SUPPLIERS_VIEW):
    if not has_perm(request.user, perm):
        raise Http404()


def _fen(value: int) -> str:
    return f"{value / 100:.2f}"


@login_required
def supplier_list(request):
    _staff_or_404(request)
    form = SupplierFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    suppliers = selectors.supplier_search(request.user, query=data.get("q", ""), status=data.get("status", ""),
                                          service_type=data.get("type", ""))
    if export_format(request.GET.get("export")):
        rows = ((s.name, s.credit_code, s.get_status_display(), s.node.name, s.contact_name,
                 selectors.current_score(s)) for s in suppliers)
        return table_download(request.GET.get("export"), "suppliers", [_("Name"), _("Credit code"), _("Status"), _("Belongs to"),
                                              _("Contact person"), _("Score")], rows)
    return render(request, "suppliers/list.html", {
        "form": form, "page": page_of(request, suppliers), "query": query_without(request, "page", "export"),
        "can_manage": has_perm(request.user, Perm.SUPPLIERS_MANAGE)})


@login_required
@domain_errors_as_http
def supplier_new(request):
    _staff_or_404(request, Perm.SUPPLIERS_MANAGE)
    nodes = [n for n in nodes_visible_to(request.user, Perm.SUPPLIERS_MANAGE) if n.kind in (NodeKind.BANK,
                                                                                             NodeKind.BRANCH)]
    form = SupplierForm(request.POST or None, nodes=nodes)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        node = next(n for n in nodes if n.pk == d["node"])
        licences = []
        if d["licence_kind"] or d["licence_number"] or d["licence_expires_on"]:
            licences = [(d["licence_kind"], d["licence_number"], d["licence_expires_on"])]
        try:
            supplier = services.supplier_register(
                actor=request.user, node=node, name=d["name"], credit_code=d["credit_code"],
                contact_name=d["contact_name"], contact_phone=d["contact_phone"], address=d["address"],
                licences=licences)
        except DomainError as err:
            form_error(form, err, {"credit_code_invalid": "credit_code", "credit_code_taken": "credit_code",
                                   "licence_expired": "licence_expires_on", "licence_invalid": "licence_number"})
        else:
            messages.success(request, _("Supplier registered; it waits for review."))
            return redirect("suppliers:detail", supplier.pk)
    return render(request, "suppliers/new.html", {"form": form})


@login_required
@domain_errors_as_http
def supplier_detail(request, supplier_id: int):
    supplier = selectors.supplier_get(request.user, supplier_id)
    manage = selectors.may_manage(request.user, supplier)
    types = ServiceType.objects.filter(bank=supplier.bank, is_active=True)
    forms = {"transition": TransitionForm(prefix="t"), "offer": OfferForm(prefix="o", types=types),
             "member": MemberForm(prefix="m"), "commend": CommendationForm(prefix="c")}
    if request.method == "POST" and manage:
        action = request.POST.get("action")
        try:
            if action == "transition":
                form = forms["transition"] = TransitionForm(request.POST, prefix="t")
                if form.is_valid():
                    services.supplier_transition(actor=request.user, supplier=supplier, to=form.cleaned_data["to"],
                                                 reason=form.cleaned_data["reason"])
                    return redirect("suppliers:detail", supplier.pk)
            elif action == "offer":
                form = forms["offer"] = OfferForm(request.POST, prefix="o", types=types)
                if form.is_valid():
                    services.offer_set(actor=request.user, supplier=supplier,
                                       service_type=types.get(pk=form.cleaned_data["service_type"]),
                                       price_fen=int(form.cleaned_data["price_yuan"] * 100),
                                       accepts_coins=form.cleaned_data["accepts_coins"])
                    return redirect("suppliers:detail", supplier.pk)
            elif action == "member":
                form = forms["member"] = MemberForm(request.POST, prefix="m")
                if form.is_valid():
                    person = person_by_mobile(request.user, form.cleaned_data["mobile"])
                    services.supplier_member_add(actor=request.user, supplier=supplier, person=person)
                    return redirect("suppliers:detail", supplier.pk)
            elif action == "commend":
                form = forms["commend"] = CommendationForm(request.POST, prefix="c")
                if form.is_valid():
                    services.commendation_add(actor=request.user, supplier=supplier, note=form.cleaned_data["note"])
                    return redirect("suppliers:detail", supplier.pk)
        except DomainError as err:
            messages.error(request, str(err.message))
            return redirect("suppliers:detail", supplier.pk)
    return render(request, "suppliers/detail.html", {
        "supplier": supplier, "manage": manage, "forms": forms, "score": selectors.current_score(supplier),
        "history": supplier.status_changes.select_related("actor"), "licences": supplier.licences.all(),
        "offers": supplier.offers.filter(is_active=True).select_related("service_type"),
        "areas": supplier.areas.all(), "members": supplier.members.filter(revoked_at__isnull=True)
        .select_related("person"), "statuses": SupplierStatus.choices,
        "can_book": has_perm(request.user, Perm.PEOPLE_EDIT) and supplier.is_serving})


# ---- the public application (no sign-in) ---------------------------------------------------------

APPLICATION_ERRORS = {"credit_code_invalid": "credit_code", "credit_code_taken": "credit_code",
                      "licence_expired": "licence_expires_on", "licence_invalid": "licence_number",
                      "contact_invalid": "contact_phone", "name_invalid": "name", "node_invalid": "node",
                      "note_invalid": "application_note"}


def _application_nodes() -> list:
    from timebank.orgs.models import Node

    return list(Node.objects.filter(kind__in=[NodeKind.BANK, NodeKind.BRANCH], is_closed=False)
                .select_related("parent").order_by("path"))


def apply(request):
    """A company applies to join as a supplier; the application waits in the admission queue."""
    nodes = _application_nodes()
    form = ApplicationForm(request.POST or None, nodes=nodes)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        node = next((n for n in nodes if n.pk == d["node"]), None)
        try:
            supplier = services.supplier_register(
                actor=None, node=node, name=d["name"], credit_code=d["credit_code"], contact_name=d["contact_name"],
                contact_phone=d["contact_phone"], address=d["address"],
                licences=[(d["licence_kind"], d["licence_number"], d["licence_expires_on"])],
                application_note=d["application_note"])
        except DomainError as err:
            form_error(form, err, APPLICATION_ERRORS)
        else:
            request.session["supplier_application"] = {"name": supplier.name, "number": supplier.pk}
            return redirect("suppliers:apply_thanks")
    return render(request, "suppliers/apply.html", {"form": form}, status=422 if form.errors else 200)


def apply_thanks(request):
    result = request.session.get("supplier_application")
    if not result:
        return redirect("suppliers:apply")
    return render(request, "suppliers/apply_thanks.html", {"result": result})


@login_required
def admission_queue(request):
    _staff_or_404(request, Perm.SUPPLIERS_MANAGE)
    return render(request, "suppliers/admission.html", {"suppliers": selectors.admission_queue(request.user),
                                                        "exits": selectors.exit_proposals(request.user)})


def _chart(events, start: int) -> dict:
    """Points of an inline SVG line chart (600×160) of the score after each event."""
    values = [start] + [e.value_after for e in events]
    low, high = min(values + [0]), max(values + [start])
    span = max(1, high - low)
    step = 580 / max(1, len(values) - 1)
    points = [(round(10 + i * step, 1), round(150 - (v - low) * 140 / span, 1)) for i, v in enumerate(values)]
    return {"points": " ".join(f"{x},{y}" for x, y in points), "dots": points, "low": low, "high": high}


@login_required
@domain_errors_as_http
def supplier_score(request, supplier_id: int):
    supplier = selectors.supplier_get(request.user, supplier_id)
    year = int(request.GET.get("year") or timezone.localdate().year) if str(
        request.GET.get("year", "")).isdigit() or not request.GET.get("year") else timezone.localdate().year
    value, events = selectors.score_history(supplier, year)
    rules = selectors.supplier_rules_for(supplier.bank)
    return render(request, "suppliers/score.html", {
        "supplier": supplier, "year": year, "value": value, "events": events, "rules": rules,
        "chart": _chart(events, rules.score_start)})


@login_required
@domain_errors_as_http
def ranking(request):
    _staff_or_404(request)
    return render(request, "suppliers/ranking.html", {"rows": selectors.ranking(request.user)})


def _month(request) -> dt.date:
    raw = request.GET.get("month", "")
    try:
        return dt.datetime.strptime(raw, "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


@login_required
@domain_errors_as_http
def settlement(request, supplier_id: int):
    supplier = selectors.supplier_get(request.user, supplier_id)
    month = _month(request)
    if request.method == "POST":
        services.settlement_mark_paid(actor=request.user, supplier=supplier, month=month)
        messages.success(request, _("Marked as paid."))
        return redirect(f"{request.path}?month={month:%Y-%m}")
    report = selectors.settlement(request.user, supplier, month)
    if request.GET.get("export") == "xlsx":
        from timebank.lib.xlsx import EscapingWorkbook

        book = EscapingWorkbook()
        sheet = book.active
        sheet.title = f"{month:%Y-%m}"
        sheet.append([str(_("Order")), str(_("Date")), str(_("Service")), str(_("Elder")), str(_("Coins (minutes)")),
                      str(_("Amount (yuan)")), str(_("Paid"))])
        for line in report["lines"]:
            sheet.append([line.order_id, timezone.localtime(line.order.starts_at).strftime("%Y-%m-%d %H:%M"),
                          line.order.service_type.name, line.order.elder.name, line.coin_minutes,
                          line.amount_fen / 100, "✓" if line.paid_at else ""])
        sheet.append(["", "", "", str(_("Total")), report["coin_minutes"], report["total_fen"] / 100, ""])
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="settlement-{supplier.pk}-{month:%Y-%m}.xlsx"'
        return response
    return render(request, "suppliers/settlement.html", {
        "supplier": supplier, "month": month, "report": report, "total": _fen(report["total_fen"]),
        "unpaid": _fen(report["unpaid_fen"]), "manage": selectors.may_manage(request.user, supplier),
        "exposure": _fen(selectors.guarantee_fund_exposure(supplier.bank))})


# ---- supplier staff: the order inbox ---------------------------------------------------------------

@login_required
def inbox(request):
    ids = selectors.member_supplier_ids(request.user)
    if not ids:
        raise Http404()
    suppliers = list(selectors.Supplier.objects.filter(pk__in=ids))
    boxes = [(s, selectors.order_inbox(request.user, s), list(selectors.guarantee_offers_for(s))) for s in suppliers]
    return render(request, "suppliers/inbox.html", {"boxes": boxes})


@login_required
@require_POST
@domain_errors_as_http
def order_action(request, order_id: int, action: str):
    order = selectors.order_get(request.user, order_id)
    handlers = {"accept": services.order_accept, "done": services.order_done, "decline": services.order_decline,
                "cancel": services.order_cancel}
    if action not in handlers:
        raise Http404()
    try:
        handlers[action](actor=request.user, order=order)
        messages.success(request, _("Done."))
    except (NotFound, PermissionDenied):
        raise
    except DomainError as err:
        messages.error(request, str(err.message))
    return redirect(safe_next(request, reverse("suppliers:inbox")))


@login_required
@require_POST
def guarantee_take(request, offer_id: int):
    offer = GuaranteeOffer.objects.filter(pk=offer_id, supplier_id__in=selectors.member_supplier_ids(request.user)).first()
    if offer is None:
        raise Http404()
    try:
        services.guarantee_accept(actor=request.user, offer=offer)
        messages.success(request, _("The request is yours."))
    except DomainError as err:
        messages.error(request, str(err.message))
    return redirect("suppliers:inbox")


# ---- booking and confirming (staff, elder, proxy) ---------------------------------------------------

def _elders_for(user) -> list[Person]:
    """The elders the booking form offers, through the one access layer (as `order_book` checks):
    the user and whom they are a proxy for first, then the elders their staff role reaches."""
    own = list(elders_in_reach(user, for_=SELF_OR_PROXY).filter(is_elder=True))
    staff = elders_in_reach(user, for_=Perm.PEOPLE_EDIT).filter(is_elder=True).exclude(pk__in=[e.pk for e in own])
    return own + list(staff[:500])


@login_required
@domain_errors_as_http
def order_book(request, supplier_id: int):
    supplier = selectors.Supplier.objects.filter(pk=supplier_id, bank_id=request.user.bank_id).first()
    if supplier is None:
        raise Http404()
    elders = [e for e in _elders_for(request.user) if e.node and selectors.serves(supplier, e.node)]
    if not elders:
        raise Http404()
    types = [o.service_type for o in supplier.offers.filter(is_active=True).select_related("service_type")]
    form = BookForm(request.POST or None, elders=elders, types=types)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            order = services.order_book(actor=request.user, supplier=supplier,
                                        service_type=next(t for t in types if t.pk == d["service_type"]),
                                        elder=next(e for e in elders if e.pk == d["elder"]), starts_at=d["starts_at"],
                                        payment=d["payment"], address=d["address"], notes=d["notes"])
        except DomainError as err:
            form_error(form, err, {"times_invalid": "starts_at", "coins_not_accepted": "payment",
                                   "insufficient_balance": "payment"})
        else:
            messages.success(request, _("Booked. Order #%(id)s waits for the supplier.") % {"id": order.pk})
            return redirect("suppliers:my_orders")
    return render(request, "suppliers/book.html", {"form": form, "supplier": supplier})


@login_required
def my_orders(request):
    """The elder's (or proxy's) supplier orders, and the suppliers serving their community to book."""
    orders = selectors.orders_visible_to(request.user).order_by("-starts_at")[:50]
    elders = list(elders_acted_for(request.user).select_related("node"))
    if request.user.is_elder:
        elders.insert(0, request.user)
    return render(request, "suppliers/my_orders.html", {
        "orders": orders, "suppliers": selectors.serving_suppliers_for(elders)})


@login_required
@domain_errors_as_http
def order_confirm(request, order_id: int):
    order = selectors.order_get(request.user, order_id)
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.order_confirm(actor=request.user, order=order, rating=form.cleaned_data["rating"],
                                   comment=form.cleaned_data["comment"])
        except (NotFound, PermissionDenied):
            raise
        except DomainError as err:
            form_error(form, err)
        else:
            messages.success(request, _("Thank you. The service is confirmed."))
            return redirect("suppliers:my_orders")
    return render(request, "suppliers/confirm.html", {"form": form, "order": order})


# ---- complaints ---------------------------------------------------------------------------------

@login_required
@domain_errors_as_http
def complaint_new(request):
    user = request.user
    suppliers = [s for s in selectors.Supplier.objects.filter(bank_id=user.bank_id, status__in=[
        "trial", "admitted", "suspended"]) if user.node and selectors.serves(s, user.node)] if user.bank_id else []
    form = ComplaintForm(request.POST or None, request.FILES or None, suppliers=suppliers)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            supplier = next((s for s in suppliers if s.pk == d["supplier"]), None)
            volunteer = None
            if d["subject"] == "volunteer" and d["volunteer_mobile"]:
                volunteer = Person.objects.filter(mobile=d["volunteer_mobile"].strip(), bank_id=user.bank_id,
                                                  is_volunteer=True).first()
            complaint = services.complaint_file(actor=user, subject=d["subject"], category=d["category"],
                                                text=d["text"], supplier=supplier, volunteer=volunteer,
                                                photos=request.FILES.getlist("photos"))
        except NotFound:
            form.add_error(None, _("We could not find whom the complaint is about."))
        except DomainError as err:
            form_error(form, err, {"upload_invalid": "photos", "photo_too_large": "photos", "subject_required": "subject"})
        else:
            messages.success(request, _("Your complaint #%(id)s was received.") % {"id": complaint.pk})
            return redirect("suppliers:my_complaints")
    return render(request, "suppliers/complaint_new.html", {"form": form, "body_class": "member"},
                  status=422 if form.errors else 200)


@login_required
def my_complaints(request):
    from django.db.models import Q

    complaints = selectors.complaints_visible_to(request.user).filter(
        Q(complainant=request.user) | Q(filed_by=request.user)).order_by("-created_at")
    return render(request, "suppliers/my_complaints.html", {"complaints": complaints})


@login_required
def complaint_board(request):
    _staff_or_404(request, Perm.COMPLAINTS_HANDLE)
    complaints = selectors.complaint_board(request.user)
    return render(request, "suppliers/complaint_board.html", {"complaints": complaints, "now": timezone.now()})


@login_required
@domain_errors_as_http
def complaint_detail(request, complaint_id: int):
    complaint = selectors.complaint_get(request.user, complaint_id)
    handler = has_perm(request.user, Perm.COMPLAINTS_HANDLE, complaint.owner_node) or has_perm(
        request.user, Perm.COMPLAINTS_HANDLE, complaint.node)
    outcome_options = {"volunteer": bool(complaint.volunteer_id),
                       "transfers": list(selectors.complaint_transfers(complaint)) if handler else []}
    resolve_form, reason_form = ResolveForm(initial={"severity": complaint.severity}, **outcome_options), ReasonForm()
    if request.method == "POST" and handler:
        action = request.POST.get("action")
        try:
            if action == "accept":
                services.complaint_accept(actor=request.user, complaint=complaint)
            elif action == "investigate":
                services.complaint_investigate(actor=request.user, complaint=complaint)
            elif action == "reject":
                reason_form = ReasonForm(request.POST)
                reason_form.is_valid()
                services.complaint_reject(actor=request.user, complaint=complaint,
                                          reason=reason_form.cleaned_data.get("reason", ""))
            elif action == "resolve":
                resolve_form = ResolveForm(request.POST, **outcome_options)
                if not resolve_form.is_valid():
                    raise DomainError(_("Please fill in the outcome."), code="outcome_required")
                d = resolve_form.cleaned_data
                services.complaint_resolve(actor=request.user, complaint=complaint, outcome=d["outcome"],
                                           upheld=d["upheld"], severity=d["severity"],
                                           suspend_volunteer=d.get("suspend_volunteer") or False,
                                           correct_transfer_id=d.get("correct_transfer"),
                                           correct_minutes=d.get("correct_minutes"))
            return redirect("suppliers:complaint", complaint.pk)
        except NotFound:
            raise
        except DomainError as err:
            messages.error(request, str(err.message))
    return render(request, "suppliers/complaint_detail.html", {
        "complaint": complaint, "handler": handler, "steps": complaint.steps.select_related("owner_node", "actor"),
        "photos": complaint.photos.all(), "resolve_form": resolve_form, "reason_form": reason_form,
        "statuses": ComplaintStatus})


@login_required
@domain_errors_as_http
def complaint_photo(request, photo_id: int):
    photo = ComplaintPhoto.objects.filter(pk=photo_id).first()
    if photo is None:
        raise Http404()
    selectors.complaint_get(request.user, photo.complaint_id)
    return FileResponse(photo.image.open("rb"), content_type=photo.content_type)


# ---- joint meetings -----------------------------------------------------------------------------

@login_required
@domain_errors_as_http
def meetings(request):
    manage_nodes = [n for n in nodes_visible_to(request.user, Perm.SUPPLIERS_MANAGE)
                    if n.kind in (NodeKind.BANK, NodeKind.BRANCH)]
    suppliers = list(selectors.suppliers_visible_to(request.user)) if manage_nodes else []
    form = MeetingForm(request.POST or None, suppliers=suppliers)
    if request.method == "POST" and manage_nodes and form.is_valid():
        d = form.cleaned_data
        decisions = []
        for line in (d["decisions"] or "").splitlines():
            if line.strip():
                text, _sep, owner = line.partition("|")
                decisions.append((text.strip(), owner.strip() or "—", None))
        try:
            services.meeting_record(actor=request.user, node=manage_nodes[0], held_on=d["held_on"], title=d["title"],
                                    attendees=d["attendees"], minutes=d["minutes"],
                                    suppliers=[s for s in suppliers if s.pk in d["suppliers"]], decisions=decisions)
        except DomainError as err:
            form_error(form, err)
        else:
            return redirect("suppliers:meetings")
    return render(request, "suppliers/meetings.html", {
        "meetings": selectors.meetings_visible_to(request.user)[:50], "form": form if manage_nodes else None})




@login_required
@domain_errors_as_http
def rules(request):
    """The bank's supplier rules (trial, deadlines, guarantee hours, the score table and thresholds)."""
    from .forms import SupplierRulesForm

    banks = [n for n in nodes_visible_to(request.user, Perm.RULES_MANAGE) if n.kind == NodeKind.BANK]
    if not banks:
        raise Http404()
    bank = banks[0]
    current = selectors.supplier_rules_for(bank)
    form = SupplierRulesForm(request.POST or None, instance=current if current.pk else None,
                             initial=None if current.pk else {f: getattr(current, f) for f in
                                                              SupplierRulesForm._meta.fields})
    if request.method == "POST" and form.is_valid():
        try:
            services.supplier_rules_set(actor=request.user, bank=bank,
                                        **{f: form.cleaned_data[f] for f in SupplierRulesForm._meta.fields})
        except DomainError as err:
            form_error(form, err)
        else:
            messages.success(request, _("Supplier rules saved."))
            return redirect("suppliers:rules")
    history = selectors.SupplierRules.objects.filter(bank=bank).select_related("created_by").order_by(
        "-effective_from", "-id")[:50]
    return render(request, "suppliers/rules.html", {"form": form, "bank": bank, "history": history})
