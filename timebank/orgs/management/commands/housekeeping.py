"""`manage.py housekeeping [--loop N]`: enqueue the periodic jobs (settings.HOUSEKEEPING_TASKS) for
the task worker — once, or every N seconds. The jobs themselves are idempotent."""
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Enqueue periodic jobs (sealing the ledger, expiring holds, ...) for the task worker."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, default=0, help="Repeat every N seconds (0: once)")
        parser.add_argument("--now", action="store_true", help="Run the jobs in this process instead of enqueueing")

    def handle(self, *args, loop=0, now=False, **options):
        while True:
            for path in settings.HOUSEKEEPING_TASKS:
                job = import_string(path)
                if now:
                    result = job.call()
                    self.stdout.write(f"{path}: {result}")
                else:
                    job.enqueue()
            if not loop:
                return
            time.sleep(loop)
