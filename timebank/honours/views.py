"""Honours pages: a volunteer's service record with star level and exports (XLSX, PDF), the
printed service record certificate with its public verification page, correction requests and
the staff decision queue. Every write calls a service."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from timebank.audit.rate_limit import rate_limited
from timebank.ledger import display
from timebank.lib.pages import (
    page_of,
    pdf_inline,
    refusals_shown_on,
    run_and_report,
    signed_in_page,
    signed_in_post,
    verification_page,
)
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.access import access_person

from . import certificate_pdf, record_export, selectors, services
from .forms import CertificateForm, CorrectionForm, DecisionForm
from .models import RecordCertificate


def _person(request, person_pk: int | None):
    return request.user if person_pk is None else access_person(request.user, person_pk, for_=Perm.PEOPLE_VIEW)


@signed_in_page
def record(request, person_pk: int | None = None):
    actor = request.user
    person = _person(request, person_pk)
    if person_pk is not None and person.pk == actor.pk:
        return redirect("honours:record")
    records = selectors.served_records(person).order_by("-starts_at", "-id")
    return render(request, "honours/record.html", {
        "person": person, "is_self": person.pk == actor.pk, "stars": selectors.star_level(person),
        "page": page_of(request, records), "volunteer_number": selectors.volunteer_number(person),
        "certificates": RecordCertificate.objects.filter(person=person).select_related("issuer")[:20],
        "corrections": person.record_corrections.select_related("assignment__demand__service_type")[:20]
        if person.pk == actor.pk else [],
        "may_issue": selectors.may_certify(actor, person),
    })


@signed_in_page
def record_download(request, fmt: str, person_pk: int | None = None):
    if fmt not in ("xlsx", "pdf"):
        raise Http404()
    person = _person(request, person_pk)
    records = list(selectors.served_records(person))
    if fmt == "pdf":
        return pdf_inline(record_export.record_pdf(person, records), f"service-record-{person.pk}.pdf")
    response = HttpResponse(record_export.record_xlsx(person, records),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="service-record-{person.pk}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


@signed_in_page
def certificate_issue(request, person_pk: int):
    actor = request.user
    person = access_person(actor, person_pk, for_=Perm.PEOPLE_VIEW)
    if not selectors.may_certify(actor, person):
        raise Http404()
    form = CertificateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_shown_on(form):
            certificate = services.record_certificate_issue(actor=actor, person=person,
                                                            person_in_charge=form.cleaned_data["person_in_charge"],
                                                            contact=form.cleaned_data["contact"])
            messages.success(request, _("Certificate %(number)s is issued.") % {"number": certificate.number})
            return redirect("honours:person_record", person_pk=person.pk)
    return render(request, "honours/certificate_issue.html", {
        "form": form, "person": person, "minutes": selectors.served_minutes(person)},
        status=422 if form.errors else 200)


@signed_in_page
def certificate_print(request, number: str):
    certificate = selectors.record_certificate_by_number(number)
    if certificate is None:
        raise Http404()
    access_person(request.user, certificate.person_id, for_=Perm.PEOPLE_VIEW)  # themself or staff in reach, else 404
    return pdf_inline(certificate_pdf.render(certificate), f"{certificate.number}.pdf")


@never_cache
@rate_limited("verify", methods=("GET",))
def certificate_verify(request, token: str):
    """Public (no sign-in): do the service records still give what the printed certificate says?"""
    return verification_page(request, "honours/verify.html", certificate_pdf.read_token, token, _certificate_check)


def _certificate_check(claim: dict) -> dict | None:
    certificate = selectors.record_certificate_by_number(claim["c"])
    if certificate is None or certificate.person_id != claim["p"]:
        return None
    minutes, years = selectors.served_as_of(certificate.person, certificate.issued_at)
    stated = (certificate.summary or {}).get("years", {})
    return {
        "certificate": certificate,
        "matches": certificate.total_minutes == claim["m"] == minutes and years == stated,
        "member": display.mask_name(certificate.person.name), "hours": display.minutes_in_words(claim["m"]),
    }


@login_required
def correction_new(request):
    actor = request.user
    records = selectors.served_records(actor).order_by("-starts_at", "-id")
    form = CorrectionForm(request.POST or None, records=records,
                          initial={"assignment": request.GET.get("assignment")})
    if request.method == "POST" and form.is_valid():
        with refusals_shown_on(form, {"description_required": "description"}):
            services.correction_request(actor=actor, description=form.cleaned_data["description"],
                                        assignment=form.cleaned_data["assignment"])
            messages.success(request, _("Your request is sent. The service station will decide."))
            return redirect("honours:record")
    return render(request, "honours/correction_new.html", {"form": form}, status=422 if form.errors else 200)


@login_required
def corrections(request):
    actor = request.user
    if not has_perm(actor, Perm.DEMANDS_MANAGE):
        raise Http404()
    decided = selectors.corrections_visible_to(actor).exclude(status="pending").exclude(person=actor)
    return render(request, "honours/corrections.html", {
        "page": page_of(request, selectors.corrections_pending(actor).select_related(
            "assignment__demand__service_type")),
        "decided": decided.select_related("decided_by")[:30],
    })


@signed_in_post
def correction_decide(request, pk: int):
    actor = request.user
    correction = selectors.correction_get(actor, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to correct the record or not."))
        return redirect("honours:corrections")
    accept = form.cleaned_data["decision"] == "accept"
    run_and_report(request, lambda: services.correction_decide(actor=actor, correction=correction, accept=accept,
                                                               note=form.cleaned_data["note"]),
                   _("Recorded: the record is corrected.") if accept else _("Recorded: the record stays as it is."))
    return redirect("honours:corrections")
