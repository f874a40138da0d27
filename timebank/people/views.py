"""People pages: sign-in, the home page by role, the people register, a person's record,
registering elders, volunteer sign-up and approval, and each person's API tokens."""
import re
import uuid

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from timebank.audit.idempotency import run_idempotent
from timebank.audit.rate_limit import rate_limited
from timebank.lib import care_mode as care
from timebank.lib.errors import DomainError, NotFound
from timebank.lib.masking import mask_mobile
from timebank.lib.pages import (
    export_format,
    form_error,
    page_of,
    pdf_inline,
    query_without,
    refusals_shown_on,
    run_and_report,
    safe_next,
    session_result_page,
    signed_in_page,
    signed_in_post,
    table_download,
)
from timebank.lib.week_slots import slot_label
from timebank.orgs.context_processors import staff_sections
from timebank.orgs.models import NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import active_grants, can_grant, grants_of, has_perm, nodes_visible_to, open_stations

from . import selectors, services
from .card_pdf import card_photo, volunteer_card_pdf, volunteer_cards_pdf
from .exceptions import PhotoInvalid
from .forms import (
    CardFilterForm,
    LoginForm,
    PeopleFilterForm,
    PersonEditForm,
    ProxyLinkForm,
    RegisterPersonForm,
    SignupForm,
    StaffPasswordForm,
    TokenCreateForm,
)
from .models import Gender, PersonStatus, VolunteerStatus
from .skills import skills_of_bank

# Which form field a refused request is about, by error code.
PERSON_FIELDS = {
    "name_invalid": "name", "id_number_invalid": "id_number", "id_number_mismatch": "id_number",
    "duplicate_person": "id_number", "too_young": "id_number", "mobile_invalid": "mobile", "mobile_taken": "mobile",
    "station_unknown": "station", "consent_required": "consent", "password_weak": "password",
    "skill_unknown": "skills", "free_times_invalid": "free_slots",
}
EDIT_FIELDS = {**PERSON_FIELDS, "station_unknown": "node", "too_young": None}


@method_decorator(rate_limited("sign_in"), name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "people/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@require_POST
def care_mode(request):
    """The one-click 关怀模式 switch: a plain form post, then back to the page it was pressed on."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = reverse("people:home")
    response = redirect(target)
    care.remember(response, request.POST.get("care_mode") == "on")
    return response


@login_required
def home(request):
    actor = request.user
    sections = staff_sections(actor)
    if sections["staff"]:
        context = {
            "grants": active_grants(actor),
            "pending_count": selectors.approval_queue(actor).count() if sections["approve"] else 0,
            "proxy_count": selectors.proxy_links_to_confirm(actor).count() if sections["register"] else 0,
        }
        return render(request, "people/home_staff.html", context)
    return render(request, "people/home_member.html", {
        "person": actor, "acts_for": selectors.elders_acted_for(actor).select_related("node"),
        "proxy_requests": selectors.proxy_links_to_confirm(actor).filter(elder=actor),
        "proxy_waiting": selectors.proxy_links_awaited_by(actor),
        "pending": actor.volunteer_status == VolunteerStatus.PENDING,
        # API tokens are for staff (supplier staff, team leaders) and integrators, who already hold one;
        # an elder or a volunteer is never shown a link they have no use for.
        "shows_tokens": bool(active_grants(actor)) or selectors.api_tokens_of(actor).filter(
            revoked_at__isnull=True).exists(),
    })


def _stations(actor, perm: str):
    return nodes_visible_to(actor, perm).filter(kind=NodeKind.STATION, is_closed=False).order_by("path")


@login_required
def people_list(request):
    actor = request.user
    if not has_perm(actor, Perm.PEOPLE_VIEW):
        raise Http404()
    form = PeopleFilterForm(request.GET, stations=_stations(actor, Perm.PEOPLE_VIEW))
    form.is_valid()
    filters = form.cleaned_data
    people = selectors.people_search(actor, query=filters.get("q") or "", role=filters.get("role") or "",
                                     status=filters.get("status") or "", station_id=filters.get("station"))
    if export_format(request):
        return _people_export(request, people)
    context = {"form": form, "page": page_of(request, people), "query": query_without(request, "page", "format")}
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "people/_people_table.html" if partial else "people/people_list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _people_export(request, people):
    """Every person the filters select, streamed: plain tuples (no model objects, no per-row query),
    so a branch of 100,000 people exports in seconds."""
    header = [_("No."), _("Name"), _("Gender"), _("Birth date"), _("ID number"), _("Mobile"), _("Station"),
              _("Elder"), _("Volunteer"), _("Status"), _("Registered")]
    yes, no = _("yes"), _("no")
    genders = {k: str(v) for k, v in Gender.choices}
    statuses = {k: str(v) for k, v in PersonStatus.choices}
    volunteer_statuses = {k: str(v) for k, v in VolunteerStatus.choices}
    here = timezone.get_current_timezone()
    fields = ("pk", "name", "gender", "birth_date", "id_masked", "mobile", "node__name", "is_elder", "is_volunteer",
              "volunteer_status", "status", "created_at")
    rows = ([pk, name, genders.get(gender, ""), birth or "", id_masked, mask_mobile(mobile or ""), station or "",
             yes if elder else no, volunteer_statuses.get(v_status, "") if volunteer else "", statuses.get(status, status),
             created.astimezone(here).date()]
            for pk, name, gender, birth, id_masked, mobile, station, elder, volunteer, v_status, status, created
            in people.values_list(*fields).iterator(chunk_size=2000))
    return table_download(request, "people", header, rows)


def _detail(request, person, *, status: int = 200, **extra):
    """A person's record page; `extra` replaces a form with its bound copy or adds the revealed numbers."""
    actor = request.user
    can_edit = person.node is not None and has_perm(actor, Perm.PEOPLE_EDIT, person.node)
    grants = [(g, can_grant(actor, g.role, g.node)) for g in grants_of(person)]
    context = {
        "person": person,
        "can_edit": can_edit,
        "can_move_bank": person.node is not None and has_perm(actor, Perm.PEOPLE_MOVE_BANK, person.node),
        "can_reveal": selectors.can_see_full(actor, person),
        "can_reset": (bool(person.mobile) and actor.pk != person.pk and person.node is not None
                      and has_perm(actor, Perm.PEOPLE_RESET_PASSWORD, person.node)),
        "locked_out": selectors.login_locked_out(person),
        "proxies": [(link, selectors.proxy_confirm_refusal(actor, link) is None)
                    for link in selectors.proxy_links_of(person)] if person.is_elder else [],
        "acts_for": selectors.elders_acted_for(person).select_related("node"),
        "grants": grants,
        "proxy_form": ProxyLinkForm(),
        "password_form": StaffPasswordForm(),
        "skills_shown": [skills_of_bank(person.bank_id).get(code, code) for code in person.skills],
        "free_times_shown": [slot_label(slot) for slot in person.free_slots],
        **extra,
    }
    response = render(request, "people/person_detail.html", context, status=status)
    if "revealed" in extra:
        response["Cache-Control"] = "no-store"
    return response


@signed_in_page
def person_detail(request, pk: int):
    return _detail(request, selectors.person_get(request.user, pk))


@signed_in_post
def volunteer_tag(request, pk: int):
    """Issue a volunteer card (a new id) or record a wristband's tag id (typed by the reader)."""
    person = selectors.person_get(request.user, pk, Perm.PEOPLE_EDIT)
    run_and_report(request, lambda: services.volunteer_tag_set(actor=request.user, person=person,
                                                               tag_id=request.POST.get("tag_id", "")),
                   lambda p: _("%(name)s's card or wristband is %(tag)s.") % {"name": p.name, "tag": p.tag_id})
    return redirect("people:detail", pk=person.pk)


@signed_in_page
def volunteer_card(request, pk: int):
    person = selectors.person_get(request.user, pk, Perm.PEOPLE_EDIT)
    if not person.tag_id:
        raise Http404()
    return pdf_inline(volunteer_card_pdf(person, card_photo(person)), f"volunteer-card-{person.pk}.pdf")


@signed_in_page
def person_photo(request, pk: int):
    """GET: the person's photo (to whoever may see the person). POST: staff upload a new one for the card."""
    if request.method == "POST":
        person = selectors.person_get(request.user, pk, Perm.PEOPLE_EDIT)
        upload = request.FILES.get("photo")
        if upload is None:
            messages.error(request, str(PhotoInvalid.message))
        else:
            run_and_report(request, lambda: services.person_photo_set(actor=request.user, person=person, upload=upload),
                           _("The photo of %(name)s is saved.") % {"name": person.name})
        return redirect("people:detail", pk=person.pk)
    person = selectors.person_get(request.user, pk)
    if not person.photo:
        raise Http404()
    kind = "image/png" if person.photo.name.endswith(".png") else "image/jpeg"
    response = FileResponse(person.photo.open("rb"), content_type=kind)
    response["Cache-Control"] = "private, no-store"
    return response


@signed_in_page
def volunteer_cards(request):
    """Cards for many volunteers at once: the filtered list with tick boxes; the POST issues a card to each
    ticked volunteer without one and answers with one A4 PDF of all their cards. The form's one-time token
    makes a second press print the same cards and issue nothing new."""
    actor = request.user
    if not has_perm(actor, Perm.PEOPLE_EDIT):
        raise Http404()
    if request.method == "POST":
        token = (request.POST.get("token") or "").strip()[:64]
        ids = sorted({int(v) for v in request.POST.getlist("person") if re.fullmatch(r"[0-9]{1,12}", v)})
        if not token or not ids:
            messages.error(request, _("Tick the volunteers first, then press the button."))
            return redirect(reverse("people:cards"))
        try:
            with transaction.atomic():
                _status, body = run_idempotent(
                    actor=actor, key=f"page:people.cards:{token}", operation="people.cards", payload=ids,
                    perform=lambda: (200, {"person_ids": [p.pk for p in services.volunteer_cards_issue(
                        actor=actor, person_ids=ids)]}))
        except NotFound:
            raise Http404() from None
        except DomainError as err:
            messages.error(request, str(err.message))
            return redirect(reverse("people:cards"))
        people = sorted(selectors.people_visible_to(actor, Perm.PEOPLE_EDIT).filter(pk__in=body["person_ids"])
                        .exclude(tag_id=""), key=lambda p: (p.node.path if p.node_id else "", p.name, p.pk))
        response = pdf_inline(volunteer_cards_pdf(people, photo_of=card_photo), "volunteer-cards.pdf")
        response["Content-Disposition"] = 'attachment; filename="volunteer-cards.pdf"'
        return response
    stations = list(_stations(actor, Perm.PEOPLE_EDIT))
    form = CardFilterForm(request.GET or CardFilterForm.DEFAULTS, stations=stations)
    data = form.cleaned_data if form.is_valid() else {}
    people = selectors.volunteers_for_cards(
        actor, query=data.get("q", ""), station_id=data.get("station"), approved_only=data.get("approved", True),
        without_card_only=data.get("without_card", True)).select_related("node")
    return render(request, "people/cards.html", {
        "form": form, "page": page_of(request, people), "query": query_without(request, "page"),
        "token": uuid.uuid4().hex})


@signed_in_post
def person_reveal(request, pk: int):
    person = selectors.person_get(request.user, pk)
    revealed = services.person_reveal(actor=request.user, person=person)
    return _detail(request, person, revealed=revealed)


@signed_in_page
def person_edit(request, pk: int):
    actor = request.user
    person = selectors.person_get(actor, pk, Perm.PEOPLE_EDIT)
    stations = [s for s in _stations(actor, Perm.PEOPLE_EDIT) if s.bank_id == person.bank_id]
    if person.node is not None and person.node not in stations:
        stations.insert(0, person.node)
    initial = {name: getattr(person, name) for name in services.EDITABLE_FIELDS if name != "node"}
    initial["node"] = person.node_id
    form = PersonEditForm(request.POST or None, initial=initial, stations=stations,
                          skills=list(skills_of_bank(person.bank_id).items()))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("people:detail", pk=person.pk)
        with refusals_shown_on(form, EDIT_FIELDS):
            services.person_update(actor=actor, person=person, **changes)
            messages.success(request, _("The changes to %(name)s are saved.") % {"name": form.cleaned_data["name"]})
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/person_edit.html", {"person": person, "form": form},
                  status=422 if form.errors else 200)


@signed_in_post
def proxy_add(request, pk: int):
    actor = request.user
    elder = selectors.person_get(actor, pk, Perm.PEOPLE_EDIT)
    form = ProxyLinkForm(request.POST)
    if form.is_valid():
        try:
            proxy = selectors.proxy_by_mobile(actor, elder, form.cleaned_data["mobile"], form.cleaned_data["relation"])
        except NotFound:
            form.add_error("mobile", _("Nobody with this mobile number is registered in your area. "
                                       "Register them first, then link them here."))
        else:
            try:
                services.proxy_link(actor=actor, elder=elder, proxy=proxy, relation=form.cleaned_data["relation"])
            except DomainError as err:
                form_error(form, err, {"relation_invalid": "relation"})
            else:
                messages.success(request, _("%(proxy)s is linked to %(elder)s and may act for them once the elder "
                                            "or another staff member confirms the link.") % {
                    "proxy": proxy.name, "elder": elder.name})
                return redirect("people:detail", pk=elder.pk)
    return _detail(request, elder, proxy_form=form, status=422)


@signed_in_post
def proxy_remove(request, pk: int, link_pk: int):
    actor = request.user
    elder = selectors.person_get(actor, pk, Perm.PEOPLE_EDIT)
    link = selectors.proxy_links_of(elder).filter(pk=link_pk).first()
    if link is None:
        raise Http404()
    services.proxy_unlink(actor=actor, link=link)
    messages.success(request, _("%(proxy)s no longer acts for %(elder)s.") % {
        "proxy": link.proxy.name, "elder": elder.name})
    return redirect("people:detail", pk=elder.pk)


@login_required
def proxy_links(request):
    """Staff: proxy links waiting for a second person — those this staff member may confirm, and those
    they asked for themselves (someone else confirms them)."""
    actor = request.user
    if not has_perm(actor, Perm.PEOPLE_EDIT):
        raise Http404()
    to_confirm = selectors.proxy_links_to_confirm(actor).exclude(elder=actor)
    return render(request, "people/proxy_links.html", {"page": page_of(request, to_confirm),
                                                       "asked": selectors.proxy_links_asked_by(actor)[:100]})


@signed_in_post
def proxy_confirm(request, link_pk: int):
    """The elder (on their home page) or a second staff member confirms a pending link."""
    actor = request.user
    link = selectors.proxy_link_get(actor, link_pk)
    default = reverse("people:home") if actor.pk == link.elder_id else reverse("people:proxy_links")
    run_and_report(request, lambda: services.proxy_confirm(actor=actor, link=link),
                   _("%(proxy)s may now act for %(elder)s.") % {"proxy": link.proxy.name, "elder": link.elder.name})
    return redirect(safe_next(request, default))


@signed_in_post
def proxy_decline(request, link_pk: int):
    """The elder says no to a link staff asked for."""
    actor = request.user
    link = selectors.proxy_link_get(actor, link_pk)
    if link.elder_id != actor.pk or not link.is_pending:
        raise Http404()
    services.proxy_unlink(actor=actor, link=link)
    messages.success(request, _("%(proxy)s will not act for you.") % {"proxy": link.proxy.name})
    return redirect("people:home")


@signed_in_post
def person_password(request, pk: int):
    actor = request.user
    person = selectors.person_get(actor, pk, Perm.PEOPLE_RESET_PASSWORD)
    form = StaffPasswordForm(request.POST)
    if form.is_valid():
        with refusals_shown_on(form, {"password_weak": "new_password"}):
            services.password_reset_by_staff(actor=actor, person=person, new_password=form.cleaned_data["new_password"])
            messages.success(request, _("A new password is set for %(name)s. Tell it to them in person.") % {
                "name": person.name})
            return redirect("people:detail", pk=person.pk)
    return _detail(request, person, password_form=form, status=422)


@signed_in_post
def person_unlock(request, pk: int):
    actor = request.user
    person = selectors.person_get(actor, pk, Perm.PEOPLE_RESET_PASSWORD)
    run_and_report(request, lambda: services.login_unlock(actor=actor, person=person),
                   lambda cleared: (_("%(name)s can sign in again.") if cleared
                                    else _("%(name)s was not locked out.")) % {"name": person.name})
    return redirect("people:detail", pk=person.pk)


@login_required
def register_person(request):
    actor = request.user
    if not has_perm(actor, Perm.PEOPLE_EDIT):
        raise Http404()
    stations = list(_stations(actor, Perm.PEOPLE_EDIT))
    initial = {"station": stations[0].pk} if len(stations) == 1 else {}
    form = RegisterPersonForm(request.POST or None, stations=stations, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.person_register(
                actor=actor, station=data["station"], name=data["name"], id_number=data["id_number"],
                mobile=data["mobile"], gender=data["gender"], birth_date=data["birth_date"], address=data["address"],
                emergency_contact_name=data["emergency_contact_name"],
                emergency_contact_phone=data["emergency_contact_phone"],
                is_elder=data["kind"] == RegisterPersonForm.KIND_ELDER, consent=data["consent"])
        except DomainError as err:
            form_error(form, err, PERSON_FIELDS)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": person.name})
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/register_person.html", {"form": form}, status=422 if form.errors else 200)


def _signup_stations():
    stations = list(open_stations().order_by("path"))
    several_banks = len({s.bank_id for s in stations}) > 1
    for station in stations:
        if several_banks and station.parent:
            # The group label is the branch; with several banks it also needs the district.
            station.parent.name = f"{station.bank.name} · {station.parent.name}"
    return stations


def _skill_choices(bank_ids) -> list[tuple[str, str]]:
    """(code, name) of the kinds of service of these banks, once each (the service checks the station's)."""
    choices: dict[str, str] = {}
    for bank_id in sorted(set(bank_ids)):
        for code, name in skills_of_bank(bank_id).items():
            choices.setdefault(code, name)
    return list(choices.items())


@rate_limited("sign_up")
def signup(request):
    stations = _signup_stations()
    form = SignupForm(request.POST or None, stations=stations, skills=_skill_choices(s.bank_id for s in stations))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.person_register(
                actor=None, self_signup=True, is_volunteer=True, station=data["station"], name=data["name"],
                id_number=data["id_number"], mobile=data["mobile"], password=data["password"],
                address=data["address"], emergency_contact_name=data["emergency_contact_name"],
                emergency_contact_phone=data["emergency_contact_phone"],
                guardian_consent=data["guardian_consent"], consent=data["consent"], skills=data["skills"],
                free_slots=data["free_slots"])
        except DomainError as err:
            form_error(form, err, PERSON_FIELDS)
        else:
            request.session["signup"] = {"name": person.name, "station": person.node.name,
                                         "pending": person.volunteer_status == VolunteerStatus.PENDING}
            return redirect("people:signup_thanks")
    return render(request, "people/signup.html", {"form": form}, status=422 if form.errors else 200)


def signup_thanks(request):
    return session_result_page(request, "signup", "people/signup_thanks.html", "people:signup")


@login_required
def approvals(request):
    actor = request.user
    if not has_perm(actor, Perm.VOLUNTEERS_APPROVE):
        raise Http404()
    queue = selectors.approval_queue(actor).select_related("node")
    return render(request, "people/approvals.html", {"page": page_of(request, queue)})


@signed_in_post
def approvals_decide(request):
    """The chosen volunteers of the queue at once (all or none; a refusal names the person)."""
    actor = request.user
    ids = [int(v) for v in request.POST.getlist("person") if re.fullmatch(r"[0-9]{1,12}", v)]
    decision = request.POST.get("decision")
    if not ids or decision not in ("approve", "reject"):
        messages.error(request, _("Tick the volunteers first, then press approve or reject."))
        return redirect(reverse("people:approvals"))
    approve = decision == "approve"
    run_and_report(request, lambda: services.volunteers_decide(actor=actor, person_ids=ids, approve=approve),
                   lambda decided: (_("%(n)d volunteers approved.") if approve else _("%(n)d volunteers not approved."))
                   % {"n": len(decided)})
    return redirect(reverse("people:approvals"))


@signed_in_post
def approval_decide(request, pk: int):
    actor = request.user
    person = selectors.person_get(actor, pk, Perm.VOLUNTEERS_APPROVE)
    if request.POST.get("decision") not in ("approve", "reject"):
        messages.error(request, _("Press approve or reject."))
        return redirect(reverse("people:approvals"))
    approve = request.POST.get("decision") == "approve"
    text = _("%(name)s is approved as a volunteer.") if approve else _("%(name)s is not approved.")
    run_and_report(request, lambda: services.volunteer_decide(actor=actor, person=person, approve=approve),
                   text % {"name": person.name})
    return redirect(reverse("people:approvals"))


@login_required
def tokens(request):
    actor = request.user
    form = TokenCreateForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        token, raw = services.api_token_create(actor=actor, name=form.cleaned_data["name"])
        created = {"token": token, "raw": raw}
        form = TokenCreateForm()
    response = render(request, "people/tokens.html", {
        "form": form, "tokens": selectors.api_tokens_of(actor), "created": created, "now": timezone.now(),
    }, status=422 if form.errors else 200)
    if created:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request, pk: int):
    actor = request.user
    token = selectors.api_tokens_of(actor).filter(pk=pk).first()
    if token is None:
        raise Http404()
    try:
        services.api_token_revoke(actor=actor, token=token)
    except DomainError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("The token “%(name)s” is revoked and no longer works.") % {"name": token.name})
    return redirect("people:tokens")

