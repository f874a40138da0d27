"""Schemathesis against a live server holding the demo district: whatever the API is sent, it never
answers with a server error, an undocumented status code or an answer outside its schema. Bounded by
a fixed seed and a number of examples, never by seconds. The first run sends single requests to every
operation; the second chains requests (the stateful phase: an id a POST answered is used by the next
GET or POST) over the operations that move coins, take places or link people, with scenarios of a
few steps."""
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from timebank.devdata.district import DEMO_LOGINS
from timebank.people.models import Person
from timebank.people.services import api_token_create

MAX_EXAMPLES = 5
# No server error, every status code documented, every answer in its documented schema.
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"


STATEFUL_PATHS = r"^/api/v1/(demands|transfers|accounts|proxy-links|supplier-orders|complaints|teams|people)"
STATEFUL_EXAMPLES = 60
STATEFUL_MAX_STEPS = 10


@pytest.fixture(autouse=True)
def _once_per_make_test():
    """`make test` fuzzes in one of its two passes (bin/run-tests sets TIMEBANK_FUZZ_ON): the PostgreSQL
    one when PostgreSQL answers. Run alone (no variable), the fuzzing runs on whatever database is set."""
    wanted = os.environ.get("TIMEBANK_FUZZ_ON")
    if wanted and wanted != connection.vendor:
        pytest.skip(f"the API fuzzing runs in the {wanted} pass of make test")


def _schemathesis(live_server, tmp_path, *options: str) -> subprocess.CompletedProcess:
    call_command("seed_demo", stdout=StringIO())
    bank_admin = Person.objects.get(mobile=dict(DEMO_LOGINS)["bank admin"])
    _token, raw = api_token_create(actor=bank_admin, name="fuzz")
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "run", f"{live_server.url}/api/v1/openapi.json",
        "--checks", CHECKS, "--header", f"Authorization: Bearer {raw}",
        "--seed", "2026", "--workers", "1", "--request-timeout", "20", *options,
    ]
    # Bounded by the number of examples, never by seconds: a busy machine is slower, not wrong.
    return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)


def _failures(result: subprocess.CompletedProcess) -> str:
    """Schemathesis's failure reports (they come before its long list of warnings), and the summary."""
    out = result.stdout
    start = out.find("FAILURES")
    return (out[start:start + 12000] if start >= 0 else "") + "\n…\n" + out[-3000:] + result.stderr[-2000:]


# The single-request run in two halves of about 70 operations each (every operation is in exactly one:
# the second half is "everything else"), so that `pytest -n 2` runs them side by side.
FIRST_HALF = r"^/api/v1/(people|demands|health|orgs|teams|accounts|transfers|me|demand-series)(/|$)"


@pytest.mark.parametrize("half", ["first", "second"])
def test_the_api_never_answers_a_server_error_whatever_it_is_sent(live_server, tmp_path, half):
    which = "--include-path-regex" if half == "first" else "--exclude-path-regex"
    result = _schemathesis(live_server, tmp_path, "--max-examples", str(MAX_EXAMPLES),
                           "--phases", "examples,coverage,fuzzing", which, FIRST_HALF)
    assert result.returncode == 0, _failures(result)
    # Each half really sent requests to its operations (a regex that matched nothing would pass).
    tested = re.search(r"(\d+) selected", result.stdout) or re.search(r"Operations:\s+(\d+)", result.stdout)
    assert tested and int(tested.group(1)) >= 40, result.stdout[-3000:]


def test_chained_api_requests_never_answer_a_server_error(live_server, tmp_path):
    (tmp_path / "schemathesis.toml").write_text(f"[phases.stateful]\nmax-steps = {STATEFUL_MAX_STEPS}\n")
    result = _schemathesis(live_server, tmp_path, "--max-examples", str(STATEFUL_EXAMPLES), "--phases", "stateful",
                           "--include-path-regex", STATEFUL_PATHS)
    assert result.returncode == 0, _failures(result)
    # The phase really chained requests: links between operations were found and followed.
    covered = re.search(r"API Links:\s+(\d+) covered", result.stdout)
    assert covered and int(covered.group(1)) >= 1, result.stdout[-4000:]
