"""Bank admin pages: the bank's catalogue of service types and its editor."""
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from timebank.ledger.models import LedgerRules
from timebank.lib.errors import DomainError
from timebank.lib.pages import form_error
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

from .. import selectors, services
from ..forms import ServiceTypeForm
from ..models import ServiceType
from .replies import done

TYPE_FIELDS = ("name", "name_en", "category", "mode", "default_minutes", "rate_percent", "points_per_hour",
               "required_certificate", "is_active")


def _catalogue_bank(actor):
    if actor.bank_id is None or not has_perm(actor, Perm.SERVICE_TYPES_MANAGE, actor.bank):
        raise Http404()
    return actor.bank


@login_required
def service_types(request):
    bank = _catalogue_bank(request.user)
    types = selectors.service_types_of(bank, active_only=False).order_by("-is_active", "category", "code")
    return render(request, "demands/service_types.html", {"types": types, "bank": bank})


@login_required
def service_type_edit(request, code: str | None = None):
    actor = request.user
    bank = _catalogue_bank(actor)
    service_type = None
    if code is not None:
        service_type = ServiceType.objects.filter(bank=bank, code=code).first()
        if service_type is None:
            raise Http404()
    initial = ({k: getattr(service_type, k) for k in TYPE_FIELDS} if service_type else
               {"mode": "one_to_one", "default_minutes": 60, "rate_percent": 100, "is_active": True,
                "points_per_hour": LedgerRules.in_force(bank).points_per_hour})
    form = ServiceTypeForm(request.POST or None, initial=initial, editing=service_type is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.service_type_save(actor=actor, bank=bank, code=code or data["code"],
                                               new=service_type is None, **{k: data[k] for k in TYPE_FIELDS})
        except DomainError as err:
            if err.status == 404:
                raise Http404() from None
            for field, errors in (err.detail or {}).get("errors", {}).items():
                form.add_error(field if field in form.fields else None, errors)
            if not (err.detail or {}).get("errors"):
                form_error(form, err, {"service_type_code_taken": "code"})
        else:
            return done(request, _("Service type %(name)s saved.") % {"name": saved.name},
                         reverse("demands:service_types"))
    return render(request, "demands/service_type_form.html", {"form": form, "service_type": service_type})
