"""Complaint pages: filing one (with photos), my complaints, the staff board, a complaint's handling, and
its photos. Their paths stay under /suppliers/complaints/ (bookmarks)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from timebank.lib.errors import DomainError, NotFound
from timebank.lib.pages import form_error, signed_in_page
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.models import Person
from timebank.suppliers.models import Supplier
from timebank.suppliers.selectors import serves

from . import selectors, services
from .forms import ComplaintForm, ReasonForm, ResolveForm
from .models import ComplaintPhoto, ComplaintStatus


@signed_in_page
def complaint_new(request):
    user = request.user
    suppliers = [s for s in Supplier.objects.filter(bank_id=user.bank_id, status__in=[
        "trial", "admitted", "suspended"]) if user.node and serves(s, user.node)] if user.bank_id else []
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
            return redirect("complaints:mine")
    return render(request, "complaints/new.html", {"form": form, "body_class": "member"},
                  status=422 if form.errors else 200)


@login_required
def my_complaints(request):
    from django.db.models import Q

    complaints = selectors.complaints_visible_to(request.user).filter(
        Q(complainant=request.user) | Q(filed_by=request.user)).order_by("-created_at")
    return render(request, "complaints/mine.html", {"complaints": complaints})


@login_required
def complaint_board(request):
    if not has_perm(request.user, Perm.COMPLAINTS_HANDLE):  # staff pages are a 404 for anyone else
        raise Http404()
    complaints = selectors.complaint_board(request.user)
    return render(request, "complaints/board.html", {"complaints": complaints, "now": timezone.now()})


@signed_in_page
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
            return redirect("complaints:detail", complaint.pk)
        except NotFound:
            raise
        except DomainError as err:
            messages.error(request, str(err.message))
    return render(request, "complaints/detail.html", {
        "complaint": complaint, "handler": handler, "steps": complaint.steps.select_related("owner_node", "actor"),
        "photos": complaint.photos.all(), "resolve_form": resolve_form, "reason_form": reason_form,
        "statuses": ComplaintStatus})


@signed_in_page
def complaint_photo(request, photo_id: int):
    photo = ComplaintPhoto.objects.filter(pk=photo_id).first()
    if photo is None:
        raise Http404()
    selectors.complaint_get(request.user, photo.complaint_id)
    return FileResponse(photo.image.open("rb"), content_type=photo.content_type)
