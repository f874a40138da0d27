"""`manage.py worker`: django-tasks' database worker that outlives database outages.

The stock `db_worker` exits on the first database error and stays down while `/healthz` says "ok".
This one retries with backoff (1 s doubling to 30 s), beats every few seconds (`ops.Heartbeat`,
read by `/readyz` and the staff banner), and re-queues tasks that a silent worker left RUNNING."""
import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from timebank.ops.models import ProcessKind
from timebank.ops.services import heartbeat_record, tasks_reap_stale

logger = logging.getLogger("timebank.ops")
MAX_BACKOFF = 30.0


class ResilientWorker(Worker):
    def __init__(self, *, beat_seconds: float, **kwargs):
        super().__init__(**kwargs)
        self.beat_seconds = beat_seconds
        self.started_at = timezone.now()
        self.backoff = 1.0

    @property
    def beat_name(self) -> str:
        return f"worker:{self.worker_id}"

    def beat_once(self) -> bool:
        try:
            heartbeat_record(name=self.beat_name, kind=ProcessKind.WORKER, started_at=self.started_at)
            tasks_reap_stale()
            return True
        except DatabaseError as exc:
            logger.warning("heartbeat: database unavailable (%s)", exc.__class__.__name__)
            connections.close_all()  # this thread's connections: the next beat opens a fresh one
            return False

    def _beat_forever(self) -> None:
        while self.running:
            self.beat_once()
            time.sleep(self.beat_seconds)

    def run(self) -> None:
        threading.Thread(target=self._beat_forever, name="heartbeat", daemon=True).start()
        while self.running:
            try:
                super().run()
                return  # --batch or --max-tasks reached: a normal end
            except DatabaseError as exc:
                logger.warning("worker: database unavailable (%s); retrying in %.0f s", exc.__class__.__name__,
                               self.backoff)
                connections.close_all()
                self.sleep_after_failure()

    def sleep_after_failure(self) -> None:
        time.sleep(self.backoff)
        self.backoff = min(self.backoff * 2, MAX_BACKOFF)


class Command(DbWorkerCommand):
    help = "Run the background task worker; it survives database outages and reports a heartbeat."

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay, reload, max_tasks,
               worker_id, exclude_queues, **options):
        self.configure_logging(verbosity)
        worker = ResilientWorker(
            beat_seconds=settings.OPS_BEAT_SECONDS, queue_names=queue_name.split(","), interval=interval,
            batch=batch, backend_name=backend_name, startup_delay=startup_delay, max_tasks=max_tasks,
            worker_id=worker_id, excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
        )
        worker.configure_signals()
        worker.run()
