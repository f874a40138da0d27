"""One JSON object per log line (`TIMEBANK_LOG_FORMAT=json`), for a log collector to parse.

Standard library only. The fields are fixed: a record's other attributes (Django attaches the whole request to
some) are never written, so a log line carries ids and measurements, not a person's name, mobile or ID number."""
import datetime as dt
import json
import logging
import re

from .request_id import current_request_id

# What the request line (ops.middleware) adds to its record, written when present.
REQUEST_FIELDS = ("method", "path", "route", "status", "duration_ms", "user_id")
# PostgreSQL's DETAIL of a refused write quotes the row or the key ("Failing row contains (…, 张晓明, 138…)").
_DETAIL = re.compile(r"^DETAIL:.*$", re.MULTILINE)


def _withhold_details(text: str) -> str:
    return _DETAIL.sub("DETAIL: (values withheld from the log)", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _withhold_details(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for name in REQUEST_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = _withhold_details(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)
