"""Honours pages: a volunteer's service record with star level and exports (XLSX, PDF), the
printed service record certificate with its public verification page, correction requests and
the staff decision queue. Every write calls a service."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from timebank.ledger import display
from timebank.lib.errors import DomainError, NotFound
from timebank.lib.pages import domain_errors_as_http, form_error, page_of
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

from . import certificate_pdf, record_export, selectors, services
from .forms import CertificateForm, CorrectionForm, DecisionForm
from .models import RecordCertificate


def _person(request, person_pk: int | None):
    return request.user if person_pk is None else selectors.person_for_record(request.user, person_pk)


def _may_issue(actor, person) -> bool:
    return person.pk != actor.pk and person.node is not None and has_perm(actor, services.CERTIFY, person.node)


@login_required
@domain_errors_as_http
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
        "may_issue": _may_issue(actor, person),
    })


@login_required
@domain_errors_as_http
def record_download(request, fmt: str, person_pk: int | None = None):
    if fmt not in ("xlsx", "pdf"):
        raise Http404()
    person = _person(request, person_pk)
    records = list(selectors.served_records(person))
    if fmt == "xlsx":
        response = HttpResponse(record_export.record_xlsx(person, records),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="service-record-{person.pk}.xlsx"'
    else:
        response = HttpResponse(record_export.record_pdf(person, records), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="service-record-{person.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@domain_errors_as_http
def certificate_issue(request, person_pk: int):
    actor = request.user
    person = selectors.person_for_record(actor, person_pk)
    if not _may_issue(actor, person):
        raise Http404()
    form = CertificateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            certificate = services.record_certificate_issue(actor=actor, person=person,
                                                            person_in_charge=form.cleaned_data["person_in_charge"],
                                                            contact=form.cleaned_data["contact"])
        except NotFound:
            raise Http404() from None
        except DomainError as err:
            form_error(form, err)
        else:
            messages.success(request, _("Certificate %(number)s is issued.") % {"number": certificate.number})
            return redirect("honours:person_record", person_pk=person.pk)
    return render(request, "honours/certificate_issue.html", {
        "form": form, "person": person, "minutes": selectors.served_minutes(person)},
        status=422 if form.errors else 200)


@login_required
@domain_errors_as_http
def certificate_print(request, number: str):
    certificate = selectors.record_certificate_by_number(number)
    if certificate is None:
        raise Http404()
    selectors.person_for_record(request.user, certificate.person_id)  # themself or staff in reach, else 404
    response = HttpResponse(certificate_pdf.render(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{certificate.number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@never_cache
def certificate_verify(request, token: str):
    """Public (no sign-in): do the service records still give what the printed certificate says?"""
    context = {"genuine": False, "matches": False}
    try:
        claim = certificate_pdf.read_token(token)
    except signing.BadSignature:
        return render(request, "honours/verify.html", context)
    certificate = selectors.record_certificate_by_number(claim["c"])
    if certificate is None or certificate.person_id != claim["p"]:
        return render(request, "honours/verify.html", context)
    minutes, years = selectors.served_as_of(certificate.person, certificate.issued_at)
    stated = (certificate.summary or {}).get("years", {})
    context.update({
        "genuine": True, "certificate": certificate,
        "matches": certificate.total_minutes == claim["m"] == minutes and years == stated,
        "member": display.mask_name(certificate.person.name), "hours": display.minutes_in_words(claim["m"]),
    })
    return render(request, "honours/verify.html", context)


@login_required
def correction_new(request):
    actor = request.user
    records = selectors.served_records(actor).order_by("-starts_at", "-id")
    form = CorrectionForm(request.POST or None, records=records,
                          initial={"assignment": request.GET.get("assignment")})
    if request.method == "POST" and form.is_valid():
        try:
            services.correction_request(actor=actor, description=form.cleaned_data["description"],
                                        assignment=form.cleaned_data["assignment"])
        except NotFound:
            raise Http404() from None
        except DomainError as err:
            form_error(form, err, {"description_required": "description"})
        else:
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


@login_required
@require_POST
@domain_errors_as_http
def correction_decide(request, pk: int):
    actor = request.user
    correction = selectors.correction_get(actor, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to correct the record or not."))
        return redirect("honours:corrections")
    accept = form.cleaned_data["decision"] == "accept"
    try:
        services.correction_decide(actor=actor, correction=correction, accept=accept, note=form.cleaned_data["note"])
    except NotFound:
        raise Http404() from None
    except DomainError as err:
        messages.error(request, str(err.message))
    else:
        messages.success(request, _("Recorded: the record is corrected.") if accept
                         else _("Recorded: the record stays as it is."))
    return redirect("honours:corrections")
