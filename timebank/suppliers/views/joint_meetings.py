"""Joint supplier meetings: the list and recording one with its decisions."""
from django.shortcuts import redirect, render

from timebank.lib.errors import DomainError
from timebank.lib.pages import form_error, signed_in_page
from timebank.orgs.models import NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import nodes_visible_to

from .. import selectors, services
from ..forms import MeetingForm


@signed_in_page
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
