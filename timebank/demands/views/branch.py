"""Branch admin pages: the overview of their stations with open disputes, and deciding a dispute."""
import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from timebank.lib.errors import DomainError
from timebank.lib.pages import form_error, signed_in_page
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, scope_q

from .. import selectors, services
from ..forms import ResolveForm
from ..models import Assignment, AssignmentStatus, Demand, DemandStatus
from .replies import done
from .station import staff_only, stations_in_reach


@login_required
def overview(request):
    actor = request.user
    staff_only(actor)
    since = timezone.now() - dt.timedelta(days=30)
    stations = stations_in_reach(actor, Perm.DEMANDS_VIEW)
    counts = (Demand.objects.filter(scope_q(actor, Perm.DEMANDS_VIEW, "station__path"), starts_at__gte=since)
              .values("station_id", "status").annotate(n=Count("id")))
    served = (Assignment.objects.filter(scope_q(actor, Perm.DEMANDS_VIEW, "demand__station__path"),
                                        status=AssignmentStatus.CREDITED, credited_at__gte=since)
              .values("demand__station_id").annotate(n=Count("id")))
    table = {s.pk: {"station": s, "statuses": {}, "credited": 0} for s in stations}
    for row in counts:
        if row["station_id"] in table:
            table[row["station_id"]]["statuses"][row["status"]] = row["n"]
    for row in served:
        if row["demand__station_id"] in table:
            table[row["demand__station_id"]]["credited"] = row["n"]
    shown = [DemandStatus.PUBLISHED, DemandStatus.CLAIMED, DemandStatus.DONE, DemandStatus.COMPLETED,
             DemandStatus.EXPIRED, DemandStatus.CANCELLED]
    rows = [(r["station"], [r["statuses"].get(s, 0) for s in shown], r["credited"]) for r in table.values()]
    return render(request, "demands/overview.html", {
        "rows": rows, "headers": [DemandStatus(s).label for s in shown],
        "disputes": selectors.disputes_visible_to(actor)[:50]})


@signed_in_page
def resolve(request, pk: int):
    actor = request.user
    assignment = selectors.assignment_get(actor, pk)
    if not has_perm(actor, Perm.DEMANDS_RESOLVE, assignment.demand.station):
        raise Http404()
    form = ResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.dispute_resolve(actor=actor, assignment=assignment, credit=data["decision"] == "credit",
                                     served_minutes=data["served_minutes"], note=data["note"])
        except DomainError as err:
            form_error(form, err, {"minutes_invalid": "served_minutes"})
        else:
            return done(request, _("Decided."), reverse("demands:overview"))
    return render(request, "demands/resolve.html", {"assignment": assignment, "demand": assignment.demand,
                                                    "form": form})
