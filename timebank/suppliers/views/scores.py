"""A supplier's score over a year with its chart, and the ranking of the suppliers in reach."""
from django.shortcuts import render
from django.utils import timezone

from timebank.lib.pages import signed_in_page

from .. import selectors
from .register import staff_or_404


def _chart(events, start: int) -> dict:
    """Points of an inline SVG line chart (600×160) of the score after each event."""
    values = [start] + [e.value_after for e in events]
    low, high = min(values + [0]), max(values + [start])
    span = max(1, high - low)
    step = 580 / max(1, len(values) - 1)
    points = [(round(10 + i * step, 1), round(150 - (v - low) * 140 / span, 1)) for i, v in enumerate(values)]
    return {"points": " ".join(f"{x},{y}" for x, y in points), "dots": points, "low": low, "high": high}


@signed_in_page
def supplier_score(request, supplier_id: int):
    supplier = selectors.supplier_get(request.user, supplier_id)
    year = int(request.GET.get("year") or timezone.localdate().year) if str(
        request.GET.get("year", "")).isdigit() or not request.GET.get("year") else timezone.localdate().year
    value, events = selectors.score_history(supplier, year)
    rules = selectors.supplier_rules_for(supplier.bank)
    return render(request, "suppliers/score.html", {
        "supplier": supplier, "year": year, "value": value, "events": events, "rules": rules,
        "chart": _chart(events, rules.score_start)})


@signed_in_page
def ranking(request):
    staff_or_404(request)
    return render(request, "suppliers/ranking.html", {"rows": selectors.ranking(request.user)})
