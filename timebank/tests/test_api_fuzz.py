"""Schemathesis against a live server holding the demo district: whatever the API is sent, it never
answers with a server error. Bounded (a fixed seed, a few hundred cases) so it stays within a few minutes
(the stateful phase is left out: with every app's endpoints it alone outgrew the budget)."""
import subprocess
import sys
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from timebank.devdata.district import DEMO_LOGINS
from timebank.people.models import Person
from timebank.people.services import api_token_create

MAX_EXAMPLES = 5


def test_the_api_never_answers_a_server_error_whatever_it_is_sent(live_server, tmp_path):
    call_command("seed_demo", stdout=StringIO())
    bank_admin = Person.objects.get(mobile=dict(DEMO_LOGINS)["bank admin"])
    _token, raw = api_token_create(actor=bank_admin, name="fuzz")
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "run", f"{live_server.url}/api/v1/openapi.json",
        "--checks", "not_a_server_error", "--header", f"Authorization: Bearer {raw}",
        "--max-examples", str(MAX_EXAMPLES), "--seed", "2026", "--workers", "1", "--request-timeout", "20",
        "--phases", "examples,coverage,fuzzing",
    ]
    # Bounded by the number of examples, never by seconds: a busy machine is slower, not wrong.
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
