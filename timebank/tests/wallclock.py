"""A pytest plugin that runs the whole suite as if the wall clock read another moment.

`TIMEBANK_TEST_CLOCK=2026-12-31T23:59` (Asia/Shanghai unless an offset is given) shifts
`django.utils.timezone.now` by a fixed offset before Django loads, so model defaults and services see
that hour while time still flows. `make test-clock` runs the suite at 00:30, 09:59 and 23:59 and on
the last day of a month and of a year: a test whose outcome depends on the hour fails there."""
import datetime as dt
import os
from zoneinfo import ZoneInfo


def shifted_now(target: str):
    from django.utils import timezone

    moment = dt.datetime.fromisoformat(target)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    real_now = timezone.now
    offset = moment - real_now()

    def now() -> dt.datetime:
        return real_now() + offset

    return now


def pytest_load_initial_conftests(early_config, parser, args):
    target = os.environ.get("TIMEBANK_TEST_CLOCK")
    if target:
        from django.utils import timezone

        timezone.now = shifted_now(target)


def pytest_report_header(config):
    target = os.environ.get("TIMEBANK_TEST_CLOCK")
    return f"wall clock shifted to {target} (TIMEBANK_TEST_CLOCK)" if target else None
