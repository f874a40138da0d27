"""`manage.py housekeeping [--loop N]`: enqueue the periodic jobs (settings.HOUSEKEEPING_TASKS) for
the task worker — once, or every N seconds. The jobs themselves are idempotent; a job still waiting
is not enqueued again, and a database outage is waited out (backoff up to 30 s), never fatal."""
import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections
from django.utils import timezone
from django.utils.module_loading import import_string

from timebank.ops.models import ProcessKind
from timebank.ops.services import heartbeat_record, housekeeping_enqueue

logger = logging.getLogger("timebank.ops")
MAX_BACKOFF = 30.0


class Command(BaseCommand):
    help = "Enqueue periodic jobs (sealing the ledger, expiring holds, ...) for the task worker."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, default=0, help="Repeat every N seconds (0: once)")
        parser.add_argument("--now", action="store_true", help="Run the jobs in this process instead of enqueueing")

    def handle(self, *args, loop=0, now=False, **options):
        started_at, backoff = timezone.now(), 1.0
        while True:
            try:
                self.round(now=now, started_at=started_at)
                backoff = 1.0
            except DatabaseError as exc:
                if not loop:
                    raise
                logger.warning("housekeeping: database unavailable (%s); retrying in %.0f s",
                               exc.__class__.__name__, backoff)
                connections.close_all()
                time.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            if not loop:
                return
            time.sleep(loop)

    def round(self, *, now: bool, started_at) -> None:
        heartbeat_record(name="housekeeping", kind=ProcessKind.HOUSEKEEPING, started_at=started_at)
        if now:
            for path in settings.HOUSEKEEPING_TASKS:
                self.stdout.write(f"{path}: {import_string(path).call()}")
        else:
            housekeeping_enqueue()
