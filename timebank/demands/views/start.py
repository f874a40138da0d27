"""Where /demands/ sends each person: staff to the board, volunteers to the feed, others to their requests."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

from .. import selectors


def _is_staff(actor) -> bool:
    return has_perm(actor, Perm.DEMANDS_VIEW)


@login_required
def index(request):
    actor = request.user
    if _is_staff(actor):
        return redirect("demands:board")
    if selectors.is_active_volunteer(actor):
        return redirect("demands:feed")
    return redirect("demands:requests")
