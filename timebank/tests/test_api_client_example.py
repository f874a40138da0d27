"""The integrator's example in docs/API.md, run as an integrator would: generate a typed client from the
live server's OpenAPI document with openapi-python-client, then run docs/examples/api_client.py with it
against that server. Fails when the document cannot be turned into a client or the example stops working."""
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from timebank.demands.models import Demand, DemandStatus
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind
from timebank.people.models import Person

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_runs_the_integrators_example(world, live_server, tmp_path):
    generator = Path(sys.executable).with_name("openapi-python-client")
    (tmp_path / "config.yaml").write_text("post_hooks: []\n")  # no formatter run on the generated code
    generated = subprocess.run([str(generator), "generate", "--url", f"{live_server.url}/api/v1/openapi.json",
                                "--output-path", str(tmp_path / "timebank_client"), "--meta", "none",
                                "--config", str(tmp_path / "config.yaml")], capture_output=True, text=True, cwd=tmp_path)
    assert generated.returncode == 0 and "Warning" not in generated.stdout, generated.stdout + generated.stderr

    ledger.transfer_post(debit=ledger.system_account(world.branch_a, AccountKind.ISSUANCE),
                         credit=ledger.member_account(world.elder), amount=90, kind=TransferKind.GRANT)
    example = subprocess.run([sys.executable, str(ROOT / "docs/examples/api_client.py"), live_server.url,
                              world.station_staff.mobile, world.password, str(world.elder.pk),
                              # the day after tomorrow by the server's clock (make test-clock moves it)
                              (timezone.localdate() + dt.timedelta(days=2)).isoformat()],
                             capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(tmp_path)}, timeout=120)
    assert example.returncode == 0, example.stdout + example.stderr
    elder = Person.objects.get(name="示例老人")
    demand = Demand.objects.get(elder=elder)
    assert demand.status == DemandStatus.PUBLISHED and demand.station_id == world.station_a1.pk
    assert f"registered elder {elder.pk}" in example.stdout
    assert "passbook of 示例老人: balance 0 minutes, 0 entries" in example.stdout
    assert f"passbook of {world.elder.name}: balance 90 minutes, 1 entries (grant 90)" in example.stdout
