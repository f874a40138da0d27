"""How every test run starts (loaded with `-p` from pyproject, before Django):

- background tasks run at once, in the test's own transaction (the immediate backend), unless
  TIMEBANK_TASKS_BACKEND says otherwise — so `pytest path/to/test_x.py` needs no environment;
- the longest tests start first within their kind (see LONGEST_FIRST);
- the wall clock can read another moment, as follows.

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
    real_now = timezone.now  # reads settings.USE_TZ, which is not configured yet: not called here
    offset = moment - dt.datetime.now(dt.UTC)

    def now() -> dt.datetime:
        return real_now() + offset

    return now


os.environ.setdefault("TIMEBANK_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")


def pytest_configure(config):
    """The live server (API fuzzing, browser tests) sends each answer's headers and body in separate
    writes. With Nagle's algorithm on, the body waits for the client's delayed ACK of the headers: 40 ms
    on every request of a kept-alive connection, four times the request's own cost. Send at once."""
    from django.core.servers.basehttp import WSGIRequestHandler

    WSGIRequestHandler.disable_nagle_algorithm = True

# At import, which `-p` makes happen before pytest-django loads Django: every model default
# (`default=timezone.now`) and every `from django.utils.timezone import now` then reads the shifted clock.
if os.environ.get("TIMEBANK_TEST_CLOCK"):
    from django.utils import timezone

    timezone.now = shifted_now(os.environ["TIMEBANK_TEST_CLOCK"])


def pytest_report_header(config):
    target = os.environ.get("TIMEBANK_TEST_CLOCK")
    return f"wall clock shifted to {target} (TIMEBANK_TEST_CLOCK)" if target else None


# The longest tests start first within their kind, so that `pytest -n 2` does not end with one worker
# finishing a minutes-long test alone while the other is idle. pytest-django then moves the tests that
# need a transactional database (the fuzzing against a live server) after the others, as it must: they
# empty the tables when they end. The order of everything else is unchanged.
LONGEST_FIRST = ("timebank/tests/test_api_fuzz.py", "timebank/tests/test_access_matrix.py",
                 "timebank/devdata/tests/test_seed_demo_full.py", "timebank/e2e/")


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=lambda item: next((i for i, prefix in enumerate(LONGEST_FIRST)
                                      if item.nodeid.startswith(prefix)), len(LONGEST_FIRST)))
