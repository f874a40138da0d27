"""The public application (no sign-in): a company applies to join as a supplier."""
from django.shortcuts import redirect, render

from timebank.audit.rate_limit import rate_limited
from timebank.lib.errors import DomainError
from timebank.lib.pages import form_error, session_result_page
from timebank.orgs.models import NodeKind

from .. import services
from ..forms import ApplicationForm

APPLICATION_ERRORS = {"credit_code_invalid": "credit_code", "credit_code_taken": "credit_code",
                      "licence_expired": "licence_expires_on", "licence_invalid": "licence_number",
                      "contact_invalid": "contact_phone", "name_invalid": "name", "node_invalid": "node",
                      "note_invalid": "application_note"}


def _application_nodes() -> list:
    from timebank.orgs.models import Node

    return list(Node.objects.filter(kind__in=[NodeKind.BANK, NodeKind.BRANCH], is_closed=False)
                .select_related("parent").order_by("path"))


@rate_limited("supplier_apply")
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
    return session_result_page(request, "supplier_application", "suppliers/apply_thanks.html", "suppliers:apply")
