import threading

import pytest
from django.db import connection, transaction

from timebank.audit.idempotency import run_idempotent
from timebank.audit.models import AuditEvent, IdempotencyRecord
from timebank.audit.services import audit_record
from timebank.lib.errors import DomainError


class Counter:
    """A `perform` that writes one audit event per run, so a second run is visible in the database."""

    def __init__(self, actor, obj):
        self.actor, self.obj, self.runs = actor, obj, 0

    def __call__(self):
        self.runs += 1
        event = audit_record(actor=self.actor, action="test.performed", obj=self.obj)
        return 201, {"event": event.pk}


def test_the_same_key_twice_performs_once_and_answers_the_same(world):
    perform = Counter(world.station_staff, world.elder)
    first = run_idempotent(actor=world.station_staff, key="k-1", operation="demo", payload={"a": 1}, perform=perform)
    second = run_idempotent(actor=world.station_staff, key="k-1", operation="demo", payload={"a": 1}, perform=perform)
    assert first == second and first[0] == 201
    assert perform.runs == 1
    assert AuditEvent.objects.filter(action="test.performed").count() == 1


def test_the_same_key_with_a_different_payload_is_refused(world):
    perform = Counter(world.station_staff, world.elder)
    run_idempotent(actor=world.station_staff, key="k-1", operation="demo", payload={"a": 1}, perform=perform)
    with pytest.raises(DomainError) as err:
        run_idempotent(actor=world.station_staff, key="k-1", operation="demo", payload={"a": 2}, perform=perform)
    assert err.value.code == "idempotency_key_reused" and 400 <= err.value.status < 500
    with pytest.raises(DomainError):
        run_idempotent(actor=world.station_staff, key="k-1", operation="other", payload={"a": 1}, perform=perform)
    assert perform.runs == 1


def test_keys_belong_to_one_actor(world):
    perform = Counter(world.station_staff, world.elder)
    run_idempotent(actor=world.station_staff, key="k-1", operation="demo", payload={}, perform=perform)
    run_idempotent(actor=world.branch_admin, key="k-1", operation="demo", payload={}, perform=perform)
    assert perform.runs == 2


def test_without_a_key_every_request_performs(world):
    perform = Counter(world.station_staff, world.elder)
    for _ in range(2):
        run_idempotent(actor=world.station_staff, key=None, operation="demo", payload={}, perform=perform)
    assert perform.runs == 2


def test_a_refused_first_attempt_keeps_nothing_so_a_retry_can_succeed(world):
    def failing():
        audit_record(actor=world.station_staff, action="test.performed", obj=world.elder)
        raise DomainError("no", code="refused")

    with pytest.raises(DomainError):
        run_idempotent(actor=world.station_staff, key="k-1", operation="demo", payload={}, perform=failing)
    assert not IdempotencyRecord.objects.exists() and not AuditEvent.objects.filter(action="test.performed").exists()
    perform = Counter(world.station_staff, world.elder)
    assert run_idempotent(actor=world.station_staff, key="k-1", operation="demo", payload={}, perform=perform)[0] == 201


def test_an_overlong_key_is_refused(world):
    with pytest.raises(DomainError) as err:
        run_idempotent(actor=world.station_staff, key="k" * 129, operation="demo", payload={},
                       perform=Counter(world.station_staff, world.elder))
    assert err.value.code == "idempotency_key_invalid"


def test_twenty_concurrent_requests_with_one_key_write_once(world, postgres_only):
    perform = Counter(world.station_staff, world.elder)
    barrier = threading.Barrier(20)
    answers, errors = [], []

    def request():
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                answers.append(run_idempotent(actor=world.station_staff, key="same-key", operation="demo",
                                              payload={"a": 1}, perform=perform))
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(answers) == 20 and len(set(map(repr, answers))) == 1
    assert perform.runs == 1
    assert AuditEvent.objects.filter(action="test.performed").count() == 1
    assert IdempotencyRecord.objects.filter(key="same-key").count() == 1
