"""The statistics dashboard (figures, server-drawn charts, drill-down), its CSV/XLSX export and the
monthly report PDF. Thin: parse the request, call the selectors, render."""
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from timebank.demands.models import ServiceCategory
from timebank.ledger.chain import anchor_of
from timebank.ledger.display import hours_decimal
from timebank.lib.errors import DomainError
from timebank.lib.pages import export_format, query_without, signed_in_page, tables_download

from . import charts, selectors
from .exceptions import PeriodInvalid


def _period(request) -> tuple[selectors.Period, DomainError | None]:
    """The period the request asks for; a bad one falls back to this month with the error shown."""
    try:
        return selectors.period_from(kind=request.GET.get("period") or "month", day=request.GET.get("day") or None,
                                     date_from=request.GET.get("from"), date_to=request.GET.get("to")), None
    except PeriodInvalid as err:
        return selectors.period_from(kind="month"), err


def dashboard_figures(request, node, period, *, rankings: bool = True) -> dict:
    """The summary plus what the page and the exports draw from it."""
    figures = selectors.summary(actor=request.user, node=node, date_from=period.date_from, date_to=period.date_to,
                                language=get_language() or "zh-hans", rankings=rankings)
    bucket = selectors.auto_bucket(period)
    series = selectors.timeseries(actor=request.user, node=node, metric="served_minutes",
                                  date_from=period.date_from, date_to=period.date_to, bucket=bucket)
    return {"figures": figures, "series": series, "bucket": bucket}


@signed_in_page
def dashboard(request):
    node = selectors.stats_node_get(request.user, request.GET.get("node"))
    period, period_error = _period(request)
    if request.GET.get("section") == "rankings":
        # Read from raw rows, so loaded after the page (by HTMX, or by following the link).
        rankings = selectors.rankings_of(actor=request.user, node=node, date_from=period.date_from,
                                         date_to=period.date_to)
        template = "stats/_rankings.html" if _partial(request) else "stats/rankings.html"
        return _vary(render(request, template, {"f": rankings, "node": node, "period": period}))
    fmt = export_format(request)
    data = dashboard_figures(request, node, period, rankings=bool(fmt))
    if fmt:
        return _export(fmt, node, period, data)
    figures = data["figures"]
    context = {
        **data,
        "node": node,
        "period": period,
        "period_error": period_error,
        "crumbs": selectors.breadcrumbs(request.user, node),
        "query": query_without(request, "format"),
        "node_query": query_without(request, "format", "node"),
        "rankings_query": query_without(request, "format", "section"),
        "served_chart": charts.column_chart(
            [(p["start"][5:] if data["bucket"] != "month" else p["start"][:7], p["value"] / 60) for p in data["series"]],
            _("Hours served"), unit=" h"),
        "category_chart": charts.bar_chart(
            [(r["name"], r["services"], f"{r['services']:,}") for r in figures["by_category"]],
            _("Services by category (person-times)")),
        "children_chart": charts.bar_chart(
            [(c["name"], c["served_minutes"] / 60, hours_decimal(c["served_minutes"])) for c in figures["children"]],
            _("Hours served by unit")),
        "periods": [("day", _("Day")), ("week", _("Week")), ("month", _("Month")), ("year", _("Year")),
                    ("custom", _("From – to"))],
    }
    template = "stats/_dashboard.html" if _partial(request) else "stats/dashboard.html"
    return _vary(render(request, template, context))


def _partial(request) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def _vary(response):
    patch_vary_headers(response, ("HX-Request",))
    return response


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


def export_tables(node, period, data) -> list[tuple[str, list, list]]:
    """The dashboard as tables (title, header, rows): what the CSV, the XLSX and the PDF hold."""
    f = data["figures"]
    categories = {code: str(label) for code, label in ServiceCategory.choices}
    key = [
        (_("Unit"), node.name), (_("From"), period.date_from.isoformat()), (_("To"), period.date_to.isoformat()),
        (_("Registered elders (total)"), f["people"]["elders_total"]),
        (_("New elders"), f["people"]["elders_new"]),
        (_("Registered volunteers (total)"), f["people"]["volunteers_total"]),
        (_("New volunteers"), f["people"]["volunteers_new"]),
        (_("Service teams"), f["teams"]),
        (_("Person-times served"), f["services"]["person_times"]),
        (_("Hours served"), _hours(f["services"]["served_minutes"])),
        (_("Coins issued (hours)"), _hours(f["coins"]["issued"])),
        (_("Coins redeemed (hours)"), _hours(f["coins"]["redeemed"])),
        (_("Coins donated (hours)"), _hours(f["coins"]["donated"])),
        (_("Coins outstanding at the end (hours)"), _hours(f["coins"]["outstanding"])),
        (_("Demands"), f["unmet"]["demands"]),
        (_("Demands expired unclaimed"), f["unmet"]["expired"]),
        (_("Demands partly filled"), f["unmet"]["partly_filled"]),
        (_("Unmet demand (%)"), f["unmet"]["unmet_percent"]),
        (_("Average minutes to the first claim"), f["unmet"]["avg_minutes_to_claim"]),
        (_("No-show rate (%)"), f["no_show"]["percent"]),
        (_("Average rating"), f["rating"]["average"]),
        (_("Active volunteers, last 30 days"), f["active_volunteers"]["days_30"]),
        (_("Active volunteers, last 90 days"), f["active_volunteers"]["days_90"]),
    ]
    return [
        (_("Key figures"), [_("Figure"), _("Value")], [[str(k), v] for k, v in key]),
        (_("Hours served over time"), [_("From"), _("Hours served")],
         [[p["start"], _hours(p["value"])] for p in data["series"]]),
        (_("By category"), [_("Category"), _("Person-times"), _("Hours")],
         [[r["name"], r["services"], _hours(r["served_minutes"])] for r in f["by_category"]]),
        (_("By service type"), [_("Service type"), _("Category"), _("Person-times"), _("Hours")],
         [[r["name"], categories.get(r["category"], r["category"]), r["services"], _hours(r["served_minutes"])]
          for r in f["by_type"]]),
        (_("By unit"), [_("Unit"), _("Person-times"), _("Hours"), _("Demands"), _("Expired"), _("Elders"),
                        _("Volunteers"), _("Coins outstanding (hours)")],
         [[c["name"], c["person_times"], _hours(c["served_minutes"]), c["demands"], c["expired"], c["elders_total"],
           c["volunteers_total"], _hours(c["outstanding"])] for c in f["children"]]),
        (_("Retention by join month"), [_("Joined in"), _("Volunteers joined"), _("Served in the last 90 days"), "%"],
         [[r["month"], r["joined"], r["active_90_days"], r["percent"]] for r in f["retention"]]),
        (_("Top volunteers"), [_("Name"), _("Station"), _("Person-times"), _("Hours")],
         [[r["name"], r["station"], r["services"], _hours(r["served_minutes"])] for r in f["top_volunteers"]]),
        (_("Top teams"), [_("Team"), _("Unit"), _("Person-times"), _("Hours")],
         [[r["name"], r["unit"], r["services"], _hours(r["served_minutes"])] for r in f["top_teams"]]),
    ]


def _export(fmt, node, period, data):
    stem = f"stats-{node.pk}-{period.date_from:%Y%m%d}-{period.date_to:%Y%m%d}"
    return tables_download(fmt, stem, export_tables(node, period, data))


@signed_in_page
def report_pdf(request):
    from .report_extras import report_extras
    from .report_pdf import monthly_report_pdf

    node = selectors.stats_node_get(request.user, request.GET.get("node"))
    month = request.GET.get("month")
    try:
        period = selectors.month_period(month) if month else selectors.period_from(kind="month")
    except PeriodInvalid as err:
        return HttpResponse(str(err.message), status=422, content_type="text/plain; charset=utf-8")
    data = dashboard_figures(request, node, period)
    pdf = monthly_report_pdf(node=node, period=period, data=data, tables=export_tables(node, period, data),
                             anchor=anchor_of(node.bank_id or node.pk), made_by=request.user,
                             extras=report_extras(node, period.date_from, period.date_to))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="report-{node.pk}-{period.date_from:%Y-%m}.pdf"'
    return response
