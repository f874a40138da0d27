"""What keeps the background honest: heartbeats, reaping tasks a dead worker left RUNNING, and
enqueueing periodic jobs without piling them up while the worker is away."""
import datetime as dt
import logging
import os
import socket

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from .models import Heartbeat

logger = logging.getLogger("timebank.ops")

UNFINISHED = ("READY", "RUNNING")


def heartbeat_record(*, name: str, kind: str, started_at: dt.datetime | None = None) -> None:
    now = timezone.now()
    defaults = {"kind": kind, "host": socket.gethostname()[:100], "pid": os.getpid(), "beat_at": now}
    if started_at is not None:
        defaults["started_at"] = started_at
    Heartbeat.objects.update_or_create(name=name, defaults=defaults)


def tasks_reap_stale(*, now: dt.datetime | None = None, silent_for: dt.timedelta | None = None) -> int:
    """Tasks left RUNNING by a worker that has not beaten for `silent_for` (killed, or its machine
    died) go back to READY, so another worker runs them. The worker's own transaction was rolled
    back with it, so the tasks — idempotent by design — run again from the start (at least once)."""
    now = now or timezone.now()
    silent_for = silent_for or dt.timedelta(seconds=settings.OPS_WORKER_SILENT_SECONDS)
    alive = set(Heartbeat.objects.filter(kind="worker", beat_at__gte=now - silent_for).values_list("name", flat=True))
    reaped = 0
    with transaction.atomic():
        for task in DBTaskResult.objects.select_for_update().filter(status="RUNNING", started_at__lt=now - silent_for):
            worker = f"worker:{task.worker_ids[-1]}" if task.worker_ids else ""
            if worker in alive:
                continue
            task.status, task.started_at = "READY", None
            task.save(update_fields=["status", "started_at"])
            reaped += 1
    if reaped:
        logger.warning("re-queued %d task(s) a silent worker left running", reaped)
    return reaped


def housekeeping_enqueue(paths: list[str] | None = None) -> list[str]:
    """Enqueue each periodic job unless one is still waiting or running: while the worker is away
    the queue holds one of each, not one per loop. Returns the jobs enqueued now."""
    paths = list(settings.HOUSEKEEPING_TASKS if paths is None else paths)
    waiting = set(DBTaskResult.objects.filter(status__in=UNFINISHED, task_path__in=paths)
                  .values_list("task_path", flat=True))
    enqueued = []
    for path in paths:
        if path not in waiting:
            import_string(path).enqueue()
            enqueued.append(path)
    return enqueued
