"""THE acceptance test of clearing between two deployments: two servers on loopback, each with its own
database. City X (this test's live server and database) sends transfers to a member of city Y (a second
Django server in its own process, on its own SQLite file); Y is killed with SIGKILL half-way and started
again; messages are replayed by hand and in another order; then both sides reconcile exactly and both
ledgers verify clean. SQLite pass only (Y's database is a copy of the migrated, empty test database)."""
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from timebank.clearing import federation
from timebank.clearing.models import InboundMessage, MessageStatus, OutboundMessage
from timebank.ledger import services as ledger
from timebank.ledger.models import Account, AccountKind, Transfer
from timebank.orgs.services import bank_rules_set

ROOT = Path(__file__).resolve().parents[3]

SEED_Y = """
import json, datetime as dt
from timebank.conftest import make_person
from timebank.orgs.models import NodeKind
from timebank.orgs.services import bank_rules_set, node_create
from timebank.clearing.federation import peer_platform_add
platform = node_create(actor=None, parent=None, kind=NodeKind.PLATFORM, name="Y城平台")
bank = node_create(actor=None, parent=platform, kind=NodeKind.BANK, name="Y区")
branch = node_create(actor=None, parent=bank, kind=NodeKind.BRANCH, name="Y街道")
station = node_create(actor=None, parent=branch, kind=NodeKind.STATION, name="Y社区")
member = make_person(station, "周远方", mobile="13700000001", birth=dt.date(1950, 1, 1))
bank_rules_set(actor=None, bank=bank, gift_recipients="any")
peer_platform_add(platform=platform, name="city-x", base_url=%(x_url)r, public_key=%(x_public)r)
print(json.dumps({"member": member.pk}))
"""

FINAL_Y = """
import io, json
from django.core.management import call_command
from timebank.clearing.models import InboundMessage
from timebank.ledger.models import Account, Transfer
reconciled = io.StringIO()
call_command("federation_reconcile", stdout=reconciled)  # raises (exit 1) on a difference
call_command("verify_ledger", stdout=io.StringIO())  # raises (exit 1) on any mismatch
member = Account.objects.get(owner_id=%(member)d, kind="member", currency="time")
print(json.dumps({"balance": member.balance, "credits": Transfer.objects.filter(credit=member).count(),
                  "accepted": InboundMessage.objects.filter(status="accepted").count(),
                  "refused": InboundMessage.objects.filter(status="refused").count(),
                  "reconciled": reconciled.getvalue().strip()}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CityY:
    """The second deployment: its own database file, key and server process."""

    def __init__(self, tmp_path: Path, seed: str):
        self.db = tmp_path / "city-y.sqlite3"
        source = sqlite3.connect(connection.settings_dict["NAME"])
        target = sqlite3.connect(self.db)
        source.backup(target)  # the migrated, still empty test database
        source.close()
        target.close()
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.public = federation.public_key_of(seed)
        self.env = {**os.environ, "DATABASE_URL": f"sqlite:///{self.db}", "TIMEBANK_FEDERATION_NAME": "city-y",
                    "TIMEBANK_FEDERATION_KEY": seed, "DJANGO_SETTINGS_MODULE": "timebank.settings",
                    "TIMEBANK_TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend"}
        self.server = None

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=60)
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    def start(self) -> None:
        self.server = subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload", "--nothreading",
                                        f"127.0.0.1:{self.port}"], cwd=ROOT, env=self.env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/api/v1/federation/reconciliations", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError("city Y's server did not start")

    def kill(self) -> None:
        self.server.send_signal(signal.SIGKILL)
        self.server.wait(10)


@pytest.fixture
def city_y(transactional_db, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("two deployments on loopback: the SQLite pass (each server has its own database file)")
    seed, _public = federation.new_signing_key()
    y = CityY(tmp_path, seed)
    yield y
    if y.server is not None and y.server.poll() is None:
        y.kill()


def _last_json(done: subprocess.CompletedProcess) -> dict:
    return json.loads(done.stdout.strip().splitlines()[-1])


def _pending() -> int:
    return OutboundMessage.objects.filter(status=MessageStatus.PENDING).count()


def test_two_deployment_clearing_with_the_peer_killed_and_restarted_reconciles_exactly(city_y, world, live_server,
                                                                                     fund):
    x_seed, x_public = federation.new_signing_key()
    with override_settings(FEDERATION_NAME="city-x", FEDERATION_KEY=x_seed):
        seeded = _last_json(city_y.manage("shell", "-c", SEED_Y % {"x_url": live_server.url, "x_public": x_public}))
        peer = federation.peer_platform_add(platform=world.platform, name="city-y", base_url=city_y.url,
                                            public_key=city_y.public)
        sender = world.volunteer
        bank_rules_set(actor=world.bank_admin, bank=world.bank, gift_recipients="any")
        fund(sender, 1000)
        city_y.start()

        def give(amount, name="周远方"):
            return federation.federation_gift(actor=sender, sender=sender, peer=peer, mobile="13700000001",
                                              name=name, amount=amount)

        # Four transfers go through while Y is up; one names nobody at Y and comes back.
        for amount in (10, 11, 12, 13):
            give(amount)
        refused = give(50, name="不是他")
        # (the tests' task backend runs the worker's delivery right after each commit, as a nudged worker would)
        assert federation.federation_deliver(force=True) == {"accepted": 0, "refused": 0, "failed": 0}
        assert sorted(OutboundMessage.objects.values_list("status", flat=True)) == ["accepted"] * 4 + ["refused"]
        refused.refresh_from_db()
        assert refused.status == MessageStatus.REFUSED and refused.reason == "member_unknown"
        assert refused.reversal.corrects_id == refused.out_transfer_id

        # Y dies mid-way (SIGKILL): the next transfers are posted here and wait, nothing is lost.
        city_y.kill()
        for amount in (20, 21, 22, 23, 24):
            give(amount)
        assert federation.federation_deliver(force=True)["failed"] == 5
        assert _pending() == 5
        waiting = OutboundMessage.objects.filter(status=MessageStatus.PENDING).first()
        assert waiting.attempts == 2 and waiting.last_error and waiting.next_try_at > waiting.created_at

        # Y comes back. One message reaches Y but its receipt is "lost" (sent by hand, nothing recorded here):
        # the worker's retry gets the same receipt and Y posts it once.
        city_y.start()
        lost = OutboundMessage.objects.filter(status=MessageStatus.PENDING).order_by("-pk").first()
        first = httpx.post(f"{city_y.url}/api/v1/federation/messages", content=lost.envelope.encode(),
                           headers={federation.SIGNATURE_HEADER: lost.signature})
        assert first.status_code == 200
        # A report made while a receipt is lost still agrees: the statement says Y credited it.
        assert federation.federation_reconcile(actor=None, peer=peer).matches
        for _round in range(3):
            if not _pending():
                break
            federation.federation_deliver(force=True)
        assert _pending() == 0
        lost.refresh_from_db()
        assert lost.receipt.encode() == first.content

        # Replays of delivered messages, newest first (another order): the same receipt, nothing posted.
        for message in OutboundMessage.objects.filter(status=MessageStatus.ACCEPTED).order_by("-pk")[:4]:
            again = httpx.post(f"{city_y.url}/api/v1/federation/messages", content=message.envelope.encode(),
                               headers={federation.SIGNATURE_HEADER: message.signature})
            assert again.status_code == 200 and again.content == message.receipt.encode()

        sent = 10 + 11 + 12 + 13 + 20 + 21 + 22 + 23 + 24
        assert ledger.member_account(sender).balance == 1000 - sent
        clearing = Account.objects.get(kind=AccountKind.CLEARING, peer=peer.node)
        assert clearing.balance == sent
        assert Transfer.objects.filter(subject_type="clearing.outboundmessage").count() == 10 + 1  # 10 legs, 1 reversal

        # Both sides reconcile exactly, and both ledgers verify clean.
        report = federation.federation_reconcile(actor=None, peer=peer)
        assert report.error == ""
        assert (report.ours, report.theirs, report.in_flight, report.difference, report.matches) == (
            {"time": sent}, {"time": -sent}, {"time": 0}, {"time": 0}, True)
        # Y, in one process: reconciles with X (through X's server), verifies its ledger, counts its side.
        state = _last_json(city_y.manage("shell", "-c", FINAL_Y % {"member": seeded["member"]}))
        reconciled = state.pop("reconciled")
        assert state == {"balance": sent, "credits": 9, "accepted": 9, "refused": 1}
        assert reconciled.startswith("city-x: MATCH") and f"ours={{'time': {-sent}}}" in reconciled
        call_command("verify_ledger")
        assert InboundMessage.objects.count() == 0  # X received nothing: the statements are answered, not stored
