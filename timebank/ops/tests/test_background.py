"""The background never dies silently: the worker and the housekeeping loop wait out a database
outage, periodic jobs do not pile up while the worker is away, tasks a killed worker left RUNNING run
again, and `/readyz` and the staff banner say when the background is behind."""
import datetime as dt
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import OperationalError
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind
from timebank.ops import services
from timebank.ops.management.commands import housekeeping
from timebank.ops.management.commands.worker import ResilientWorker
from timebank.ops.models import Heartbeat

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
PERIODIC = ["timebank.ledger.tasks.seal_ledgers", "timebank.ledger.tasks.expire_holds"]


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _worker(**kwargs) -> ResilientWorker:
    return ResilientWorker(beat_seconds=0.01, queue_names=["default"], interval=0, batch=True, backend_name="default",
                           startup_delay=False, max_tasks=None, worker_id="w1", excluded_queue_names=[], **kwargs)


@pytest.mark.django_db
def test_the_worker_waits_out_a_database_outage_and_then_runs_again(monkeypatch):
    worker = _worker()
    attempts, sleeps = [], []

    def flaky_run(self):
        attempts.append(1)
        if len(attempts) <= 3:
            raise OperationalError("connection refused")

    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.Worker.run", flaky_run)
    monkeypatch.setattr("timebank.ops.management.commands.worker.time.sleep", sleeps.append)
    monkeypatch.setattr(ResilientWorker, "_beat_forever", lambda self: None)
    worker.run()
    assert len(attempts) == 4  # three failures waited out, the fourth round ran to its end
    assert sleeps == [1.0, 2.0, 4.0]  # backoff doubles


@pytest.mark.django_db
def test_a_heartbeat_that_meets_a_dead_database_does_not_kill_the_worker(monkeypatch):
    worker = _worker()
    assert worker.beat_once() is True
    assert Heartbeat.objects.get(name="worker:w1").kind == "worker"

    def down(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("timebank.ops.management.commands.worker.heartbeat_record", down)
    monkeypatch.setattr("timebank.ops.management.commands.worker.connections.close_all", lambda: None)
    assert worker.beat_once() is False


@pytest.mark.django_db
def test_the_housekeeping_loop_survives_an_outage(monkeypatch):
    rounds, sleeps = [], []

    def flaky_round(self, **kwargs):
        rounds.append(1)
        if len(rounds) == 1:
            raise OperationalError("the database system is starting up")
        if len(rounds) == 3:
            raise KeyboardInterrupt  # ends the endless loop for the test

    monkeypatch.setattr(housekeeping.Command, "round", flaky_round)
    monkeypatch.setattr(housekeeping.time, "sleep", sleeps.append)
    monkeypatch.setattr(housekeeping.connections, "close_all", lambda: None)
    with pytest.raises(KeyboardInterrupt):
        call_command("housekeeping", loop=30, stdout=StringIO())
    assert sleeps == [1.0, 30]  # waited out the outage, then the normal pause


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS, HOUSEKEEPING_TASKS=PERIODIC)
def test_periodic_jobs_do_not_pile_up_while_the_worker_is_away():
    for _ in range(5):
        call_command("housekeeping", stdout=StringIO())
    waiting = list(DBTaskResult.objects.filter(status="READY").values_list("task_path", flat=True))
    assert sorted(waiting) == sorted(PERIODIC)
    assert Heartbeat.objects.get(name="housekeeping").kind == "housekeeping"


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS)
def test_a_task_a_killed_worker_left_running_runs_again(clock):
    from timebank.ledger.tasks import seal_ledgers

    result = seal_ledgers.enqueue()
    task = DBTaskResult.objects.get(pk=result.id)
    task.claim("dead-worker")
    services.heartbeat_record(name="worker:dead-worker", kind="worker")
    services.heartbeat_record(name="worker:live", kind="worker")
    clock.advance(seconds=30)
    assert services.tasks_reap_stale(silent_for=dt.timedelta(seconds=60)) == 0  # its worker may still be busy

    clock.advance(minutes=5)
    services.heartbeat_record(name="worker:live", kind="worker")
    assert services.tasks_reap_stale(silent_for=dt.timedelta(seconds=60)) == 1
    task.refresh_from_db()
    assert task.status == "READY"


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS)
def test_a_running_task_of_a_worker_that_still_beats_is_left_alone(clock):
    from timebank.ledger.tasks import seal_ledgers

    task = DBTaskResult.objects.get(pk=seal_ledgers.enqueue().id)
    task.claim("busy")
    clock.advance(minutes=10)  # a long task
    services.heartbeat_record(name="worker:busy", kind="worker")
    assert services.tasks_reap_stale(silent_for=dt.timedelta(seconds=60)) == 0
    task.refresh_from_db()
    assert task.status == "RUNNING"


def _beat_everything():
    services.heartbeat_record(name="worker:w1", kind="worker")
    services.heartbeat_record(name="housekeeping", kind="housekeeping")


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS)
def test_readyz_is_ok_only_while_the_background_keeps_up(client, world, clock):
    silent = client.get("/readyz")
    assert silent.status_code == 503
    assert set(silent.json()["behind"]) == {"worker_silent", "housekeeping_silent"}

    _beat_everything()
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"

    # A transfer the worker has not sealed for longer than the limit, and a task waiting as long.
    w = world
    ledger.transfer_post(debit=ledger.system_account(w.branch_a, AccountKind.ISSUANCE),
                         credit=ledger.member_account(w.volunteer), amount=60, kind="grant", actor=w.branch_admin)
    from timebank.ledger.tasks import seal_ledgers

    seal_ledgers.enqueue()
    clock.advance(minutes=20)
    _beat_everything()
    behind = client.get("/readyz")
    assert behind.status_code == 503
    assert set(behind.json()["behind"]) == {"ledger_unsealed", "tasks_waiting"}
    assert behind.json()["oldest_unsealed_transfer_age_s"] >= 20 * 60


@pytest.mark.django_db
def test_staff_pages_say_when_the_background_is_behind_and_members_never_see_it(client, world):
    w = world
    client.force_login(w.branch_admin)
    banner = "background-behind"
    assert banner in client.get("/").content.decode()  # nothing has ever beaten
    client.force_login(w.volunteer)
    assert banner not in client.get("/").content.decode()

    _beat_everything()
    cache.clear()
    client.force_login(w.branch_admin)
    assert banner not in client.get("/").content.decode()
