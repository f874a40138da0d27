"""Weekly requests: a series with its coming dates, changing it, and cancelling it."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from timebank.lib.errors import DomainError
from timebank.lib.pages import form_error, signed_in_page, signed_in_post

from .. import selectors, services
from ..forms import CancelForm, SeriesForm
from ..models import Demand
from .replies import done, refused


@signed_in_page
def series(request, pk: int):
    actor = request.user
    series = selectors.series_get(actor, pk)
    can_manage = selectors.may_manage_series(actor, series) and series.cancelled_at is None
    form = SeriesForm(request.POST or None, initial={
        "start": series.start_time, "duration_minutes": series.duration_minutes, "until": series.until,
        "headcount": series.headcount, "address": series.address, "notes": series.notes})
    result = None
    if request.method == "POST":
        if not can_manage:
            raise Http404()
        if form.is_valid():
            changes = form.changes(series)
            try:
                result = services.series_update(actor=actor, series=series, **changes) if changes else {
                    "changed": [], "kept": []}
            except DomainError as err:
                form_error(form, err, {"times_invalid": "until", "headcount_invalid": "headcount"})
            else:
                messages.success(request, _("The weekly request is changed."))
                series = selectors.series_get(actor, pk)
    by_id = {d.pk: d for d in Demand.objects.filter(pk__in=[*result["changed"], *result["kept"]])} if result else {}
    return render(request, "demands/series.html", {
        "series": series, "upcoming": selectors.series_upcoming(series)[:60], "form": form,
        "can_manage": can_manage, "cancel_form": CancelForm(),
        "changed": [by_id[i] for i in result["changed"] if i in by_id] if result else [],
        "kept": [by_id[i] for i in result["kept"] if i in by_id] if result else [],
        "weekday": WEEKDAYS[series.weekday],
    })


WEEKDAYS = [gettext_lazy("Mondays"), gettext_lazy("Tuesdays"), gettext_lazy("Wednesdays"), gettext_lazy("Thursdays"),
            gettext_lazy("Fridays"), gettext_lazy("Saturdays"), gettext_lazy("Sundays")]


@signed_in_post
def series_cancel(request, pk: int):
    actor = request.user
    series = selectors.series_get(actor, pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    default = reverse("demands:series", args=[pk])
    try:
        services.series_cancel(actor=actor, series=series, reason=reason)
    except DomainError as err:
        if err.status == 404:
            raise
        return refused(request, err, default)
    return done(request, _("The weekly request is cancelled, with its coming dates."), default)
