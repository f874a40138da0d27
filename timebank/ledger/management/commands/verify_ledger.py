"""`manage.py verify_ledger`: recompute every balance from the transfers and check the hash chain.
Prints totals, transfers/s and the first bad row; exits non-zero on any mismatch. Each transfer
must match its keyed fingerprint, each sealed transfer its link; `--anchor` checks chain heads
noted outside the database (a rewritten chain)."""
from django.core.management.base import BaseCommand, CommandError

from timebank.ledger import chain


class Command(BaseCommand):
    help = "Check the ledger: balances recomputed from transfers, and each bank's hash chain."

    def add_arguments(self, parser):
        parser.add_argument("--bank", type=int, help="Only this bank (node id)")
        parser.add_argument("--seal", action="store_true", help="Seal pending transfers first")
        parser.add_argument("--anchor", action="append", default=[], metavar="BANK:SEQ:HASH",
                            help="A chain head noted outside the database (the monthly report prints one); "
                                 "the link must still carry that hash. May be given more than once.")

    def handle(self, *args, bank=None, seal=False, anchor=(), **options):
        try:
            anchors = [chain.parse_anchor(text) for text in anchor]
        except ValueError as err:
            raise CommandError(f"--anchor must be BANK:SEQ:HASH ({err})") from None
        if seal:
            chain.seal_all(now=None)
        report = chain.verify(bank, anchors=anchors)
        self.stdout.write(f"transfers: {report.transfers}  sealed: {report.sealed}  not yet sealed: {report.unsealed}")
        self.stdout.write(f"accounts checked: {report.accounts}")
        for currency, totals in sorted(report.totals.items()):
            self.stdout.write(f"{currency}: {totals['posted_transfers']} posted transfers, {totals['posted_amount']} in all")
        self.stdout.write(f"checked in {report.seconds:.2f} s ({report.rate:,.0f} transfers/s)")
        if not report.ok:
            for problem in report.problems[:20]:
                self.stderr.write(f"MISMATCH: {problem}")
            if report.first_bad_transfer:
                self.stderr.write(f"first bad transfer: {report.first_bad_transfer}")
            raise CommandError(f"ledger verification failed: {len(report.problems)} problem(s)")
        self.stdout.write(self.style.SUCCESS("ledger OK"))
