"""The supplier register (staff): the list with filters and CSV/XLSX, registering a supplier, a
supplier's page with its status, offers, members and commendations, the admission queue, and the
bank's supplier rules."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from timebank.demands.models import ServiceType
from timebank.lib.errors import DomainError, NotFound
from timebank.lib.pages import export_format, form_error, page_of, query_without, signed_in_page, table_download
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, nodes_visible_to
from timebank.people.models import PersonStatus
from timebank.people.selectors import people_search, person_get

from .. import selectors, services
from ..forms import (
    CommendationForm,
    MemberForm,
    OfferForm,
    StaffNewForm,
    SupplierFilterForm,
    SupplierForm,
    TransitionForm,
)
from ..models import SupplierStatus


def staff_or_404(request, perm=Perm.SUPPLIERS_VIEW):
    """Staff pages are a 404 for anyone who does not hold `perm` somewhere."""
    if not has_perm(request.user, perm):
        raise Http404()


@login_required
def supplier_list(request):
    staff_or_404(request)
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


@signed_in_page
def supplier_new(request):
    staff_or_404(request, Perm.SUPPLIERS_MANAGE)
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


STAFF_FIELDS = {"name_invalid": "name", "id_number_invalid": "id_number", "id_number_mismatch": "id_number",
                "duplicate_person": "id_number", "mobile_invalid": "mobile", "mobile_taken": "mobile",
                "station_unknown": "station", "consent_required": "consent", "password_weak": "password"}


def _staff_stations(actor, supplier):
    """The open stations of the supplier's bank where the actor may register people; for the supplier's own
    admin, the stations under the supplier's node."""
    if not selectors.may_manage(actor, supplier):
        return list(Node.objects.filter(kind=NodeKind.STATION, is_closed=False, bank=supplier.bank_id,
                                        path__startswith=supplier.node.path).order_by("path"))
    return list(nodes_visible_to(actor, Perm.PEOPLE_EDIT).filter(kind=NodeKind.STATION, is_closed=False,
                                                                  bank=supplier.bank_id).order_by("path"))


def _staff_matches(actor, supplier, query: str) -> list:
    """The people search (name, pinyin initials, last 4 digits of phone or ID, a whole mobile) among the
    active people of the supplier's bank in the actor's reach, less those already on the staff."""
    if not query:
        return []
    current = supplier.members.filter(revoked_at__isnull=True).values("person_id")
    return list(people_search(actor, query=query, status=PersonStatus.ACTIVE).filter(bank=supplier.bank_id)
                .exclude(pk__in=current).select_related("node")[:20])


@signed_in_page
def supplier_detail(request, supplier_id: int):
    supplier = selectors.supplier_get(request.user, supplier_id)
    manage = selectors.may_manage(request.user, supplier)
    manage_staff = manage or selectors.is_supplier_admin(request.user, supplier)
    types = ServiceType.objects.filter(bank=supplier.bank, is_active=True)
    stations = _staff_stations(request.user, supplier) if manage_staff else []
    forms = {"transition": TransitionForm(prefix="t"), "offer": OfferForm(prefix="o", types=types),
             "member": MemberForm(prefix="m"), "commend": CommendationForm(prefix="c"),
             "staff_new": StaffNewForm(prefix="n", stations=stations)}
    status = 200
    action = request.POST.get("action") if request.method == "POST" else None
    if action in ("member_new", "member_remove") and manage_staff or action and manage:
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
                    # The picked person is fetched again through the access layer: an id is no way in.
                    person = person_get(request.user, form.cleaned_data["person"])
                    services.supplier_member_add(actor=request.user, supplier=supplier, person=person)
                    messages.success(request, _("%(name)s now works for this supplier.") % {"name": person.name})
                    return redirect("suppliers:detail", supplier.pk)
            elif action == "member_new":
                form = forms["staff_new"] = StaffNewForm(request.POST, prefix="n", stations=stations)
                if form.is_valid():
                    d = form.cleaned_data
                    try:
                        member = services.supplier_staff_register(
                            actor=request.user, supplier=supplier, station=d["station"], name=d["name"],
                            mobile=d["mobile"], id_number=d["id_number"], password=d["password"],
                            consent=d["consent"])
                    except DomainError as err:
                        if err.code == "not_found":
                            raise
                        form_error(form, err, STAFF_FIELDS)
                    else:
                        messages.success(request, _("%(name)s is registered and now works for this supplier; they "
                                                    "sign in with their mobile number.") % {"name": member.person.name})
                        return redirect("suppliers:detail", supplier.pk)
                status = 422
            elif action == "member_remove":
                raw = str(request.POST.get("person", ""))
                member = supplier.members.filter(revoked_at__isnull=True, person_id=int(raw)).select_related(
                    "person").first() if raw.isdigit() and len(raw) < 12 else None
                if member is None:
                    raise NotFound()
                services.supplier_member_remove(actor=request.user, supplier=supplier, person=member.person)
                messages.success(request, _("%(name)s no longer works for this supplier.") % {"name": member.person.name})
                return redirect("suppliers:detail", supplier.pk)
            elif action == "member_admin":
                raw = str(request.POST.get("person", ""))
                member = supplier.members.filter(revoked_at__isnull=True, person_id=int(raw)).select_related(
                    "person").first() if raw.isdigit() and len(raw) < 12 else None
                if member is None:
                    raise NotFound()
                member = services.supplier_admin_set(actor=request.user, supplier=supplier, person=member.person,
                                                     is_admin=request.POST.get("is_admin") == "1")
                messages.success(request, (_("%(name)s is now this supplier's admin.") if member.is_admin else
                                           _("%(name)s is no longer this supplier's admin.")) % {"name": member.person.name})
                return redirect("suppliers:detail", supplier.pk)
            elif action == "commend":
                form = forms["commend"] = CommendationForm(request.POST, prefix="c")
                if form.is_valid():
                    services.commendation_add(actor=request.user, supplier=supplier, note=form.cleaned_data["note"])
                    return redirect("suppliers:detail", supplier.pk)
        except DomainError as err:
            messages.error(request, str(err.message))
            return redirect("suppliers:detail", supplier.pk)
    staff_query = (request.GET.get("staff_q") or "").strip()[:50] if manage else ""
    return render(request, "suppliers/detail.html", {
        "supplier": supplier, "manage": manage, "manage_staff": manage_staff, "forms": forms,
        "score": selectors.current_score(supplier),
        "history": supplier.status_changes.select_related("actor"), "licences": supplier.licences.all(),
        "offers": supplier.offers.filter(is_active=True).select_related("service_type"),
        "areas": supplier.areas.all(), "members": supplier.members.filter(revoked_at__isnull=True)
        .select_related("person"), "statuses": SupplierStatus.choices,
        "staff_query": staff_query, "staff_matches": _staff_matches(request.user, supplier, staff_query),
        "can_book": has_perm(request.user, Perm.PEOPLE_EDIT) and supplier.is_serving}, status=status)


@login_required
def admission_queue(request):
    staff_or_404(request, Perm.SUPPLIERS_MANAGE)
    return render(request, "suppliers/admission.html", {"suppliers": selectors.admission_queue(request.user),
                                                        "exits": selectors.exit_proposals(request.user)})


@signed_in_page
def rules(request):
    """The bank's supplier rules (trial, deadlines, guarantee hours, the score table and thresholds)."""
    from ..forms import SupplierRulesForm

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
