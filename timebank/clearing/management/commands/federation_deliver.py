"""`manage.py federation_deliver [--force]`: send the messages due to other deployments now (what the worker
does every housekeeping round); --force also sends those waiting for their next try."""
from django.core.management.base import BaseCommand

from timebank.clearing.federation import federation_deliver


class Command(BaseCommand):
    help = "Send the due messages to partner platforms."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="also messages waiting for their next try")

    def handle(self, *args, **options):
        counts = federation_deliver(force=options["force"])
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
