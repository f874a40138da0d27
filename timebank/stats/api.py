"""Statistics endpoints: every figure of a node and period, and one figure over time."""
from django.utils.translation import get_language
from ninja import Query, Router

from . import selectors
from .schemas import SummaryOut, TimeseriesOut

router = Router(tags=["stats"])


def _period(date_from: str | None, date_to: str | None) -> selectors.Period:
    if not date_from and not date_to:
        return selectors.period_from(kind="month")
    return selectors.period_from(kind="custom", date_from=date_from, date_to=date_to)


@router.get("/summary", response=SummaryOut, summary="Every figure of a node (bank, branch or station) for a period")
def summary(request, node: int | None = Query(None, ge=1, le=2**62, description="org node id (default: your own)"),
            date_from: str | None = Query(None, alias="from", max_length=20, description="YYYY-MM-DD (Asia/Shanghai)"),
            date_to: str | None = Query(None, alias="to", max_length=20, description="YYYY-MM-DD, inclusive")):
    target = selectors.stats_node_get(request.auth, node)
    period = _period(date_from, date_to)
    return selectors.summary(actor=request.auth, node=target, date_from=period.date_from, date_to=period.date_to,
                             language=get_language() or "zh-hans")


@router.get("/timeseries", response=TimeseriesOut, summary="One figure per day, week or month")
def timeseries(request, metric: str = Query(..., max_length=40, description=", ".join(sorted(selectors.METRICS))),
               node: int | None = Query(None, ge=1, le=2**62),
               date_from: str | None = Query(None, alias="from", max_length=20),
               date_to: str | None = Query(None, alias="to", max_length=20),
               bucket: str = Query("day", max_length=10, description="day, week or month")):
    target = selectors.stats_node_get(request.auth, node)
    period = _period(date_from, date_to)
    points = selectors.timeseries(actor=request.auth, node=target, metric=metric, date_from=period.date_from,
                                  date_to=period.date_to, bucket=bucket)
    return {"node": {"id": target.pk, "name": target.name, "kind": target.kind}, "metric": metric, "bucket": bucket,
            "date_from": period.date_from.isoformat(), "date_to": period.date_to.isoformat(), "points": points}
