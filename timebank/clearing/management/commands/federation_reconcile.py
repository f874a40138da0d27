"""`manage.py federation_reconcile [--peer NAME]`: compare our clearing with each partner platform against its
signed statement now; prints each report and exits non-zero when one does not match."""
from django.core.management.base import BaseCommand, CommandError

from timebank.clearing.federation import federation_reconcile
from timebank.clearing.models import PeerPlatform


class Command(BaseCommand):
    help = "Reconcile the clearing with partner platforms."

    def add_arguments(self, parser):
        parser.add_argument("--peer", help="only this partner (its federation name)")

    def handle(self, *args, **options):
        peers = PeerPlatform.objects.filter(is_active=True).select_related("platform")
        if options["peer"]:
            peers = peers.filter(name=options["peer"])
        failed = []
        for peer in peers:
            report = federation_reconcile(actor=None, peer=peer)
            self.stdout.write(f"{peer.name}: {'MATCH' if report.matches else 'DIFFERENCE'} ours={report.ours} "
                              f"theirs={report.theirs} in_flight={report.in_flight} "
                              f"difference={report.difference} {report.error}".rstrip())
            if not report.matches:
                failed.append(peer.name)
        if failed:
            raise CommandError(f"not reconciled: {', '.join(failed)}")
