"""Errors of the statistics: bad periods and unknown metrics are the request's fault (422)."""
from django.utils.translation import gettext_lazy as _

from timebank.lib.errors import InvalidInput


class PeriodInvalid(InvalidInput):
    code = "period_invalid"
    message = _("The period is not valid: give dates as YYYY-MM-DD, the start no later than the end.")


class MetricUnknown(InvalidInput):
    code = "metric_unknown"
    message = _("There is no such figure.")


class BucketInvalid(InvalidInput):
    code = "bucket_invalid"
    message = _("A series is grouped by day, week or month; no other grouping is possible.")
