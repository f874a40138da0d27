"""Every request has an id: a sane one the caller sent, or a new one. The response carries it back, and every
log line written while the request runs carries it too, as JSON an operator's collector can parse, with ids and
timings but no name, mobile or ID number."""
import datetime as dt
import json
import logging
import re
import sys

import pytest

from timebank.ops.log_format import JsonFormatter
from timebank.ops.request_id import RequestIdFilter

NEW_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def json_lines(monkeypatch):
    """The JSON lines the request log and Django's request log write during the test."""
    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Capture()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    loggers = {logging.getLogger(name): logging.getLogger(name).level for name in ("timebank.request", "django.request")}
    for log in loggers:
        log.addHandler(handler)
        log.setLevel(logging.INFO)  # setLevel, not an attribute: it also clears the loggers' isEnabledFor cache
        monkeypatch.setattr(log, "propagate", False)
    yield lines
    for log, level in loggers.items():
        log.removeHandler(handler)
        log.setLevel(level)


@pytest.mark.django_db
def test_it_sends_back_the_id_the_caller_gave(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.2026_01"})
    assert response["X-Request-ID"] == "lb-7f3a.2026_01"


@pytest.mark.django_db
def test_it_makes_a_new_id_when_none_is_given(client):
    first, second = client.get("/healthz")["X-Request-ID"], client.get("/healthz")["X-Request-ID"]
    assert NEW_ID.fullmatch(first) and NEW_ID.fullmatch(second) and first != second


@pytest.mark.django_db
@pytest.mark.parametrize("given", ["abc\r\nX-Evil: 1", "id with spaces", "<script>alert(1)</script>", "x" * 65,
                                   '{"level": "ERROR"}', "张晓明"])
def test_it_replaces_an_id_that_is_not_a_plain_token(client, given):
    response = client.get("/healthz", headers={"X-Request-ID": given})
    assert NEW_ID.fullmatch(response["X-Request-ID"])


@pytest.mark.django_db
def test_the_request_line_is_json_with_the_id_and_no_personal_data(client, world, json_lines):
    client.force_login(world.station_staff)
    # A search for an elder by name: the query string never reaches the log.
    response = client.get("/people/", {"q": world.elder.name})
    assert response.status_code == 200

    line = json.loads(json_lines[-1])
    assert line["request_id"] == response["X-Request-ID"]
    assert line["logger"] == "timebank.request" and line["level"] == "INFO"
    assert line["method"] == "GET" and line["path"] == "/people/" and line["route"] == "people:list"
    assert line["status"] == 200 and line["duration_ms"] >= 0
    assert line["user_id"] == world.station_staff.pk
    assert dt.datetime.fromisoformat(line["time"]).utcoffset() is not None
    readable = json.dumps(line, ensure_ascii=False)  # names would be \u escapes in the raw line
    staff, elder = world.station_staff, world.elder
    for private in (staff.name, staff.mobile, elder.name, elder.plain_id_number):
        assert private not in readable


@pytest.mark.django_db
def test_every_line_of_one_request_carries_its_id(client, json_lines):
    response = client.get("/no-such-page/", headers={"X-Request-ID": "trace-42"})
    assert response.status_code == 404
    lines = [json.loads(text) for text in json_lines]
    assert {line["logger"] for line in lines} == {"django.request", "timebank.request"}
    assert all(line["request_id"] == "trace-42" for line in lines)
    assert next(line for line in lines if line["logger"] == "timebank.request")["user_id"] is None


@pytest.mark.django_db
def test_a_passbook_verification_token_is_not_written_to_the_log(client, json_lines):
    client.get("/ledger/verify/eyJhIjoxfQ:1abc:signature/")
    line = json.loads(json_lines[-1])
    assert line["path"] == "/ledger/verify/<token>/" and "eyJhIjoxfQ" not in json_lines[-1]


def test_a_line_outside_any_request_has_no_id():
    record = logging.LogRecord("timebank.worker", logging.WARNING, __file__, 1, "sealed %s", (3,), None)
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] is None and line["message"] == "sealed 3" and line["level"] == "WARNING"


def test_a_database_error_is_logged_without_the_values_of_the_row():
    from django.db import IntegrityError

    try:
        raise IntegrityError('new row for relation "people_person" violates check constraint "x"\n'
                             "DETAIL:  Failing row contains (7, 张晓明, 13800000011, 310110195003070016).")
    except IntegrityError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s",
                                   ("/people/7/edit/",), sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert "IntegrityError" in line["exception"] and "violates check constraint" in line["exception"]
    readable = json.dumps(line, ensure_ascii=False)
    for private in ("张晓明", "13800000011", "310110195003070016"):
        assert private not in readable
