"""`manage.py bank_import FILE`: load a bank written by bank_export into this platform, which must not
hold it yet. The file is checked whole first; the rows go in one transaction, and the bank's ledger
must verify and equal the export's, or nothing is written (timebank/ops/bank_move.py)."""
import os

from django.core.management.base import BaseCommand, CommandError

from timebank.lib.errors import DomainError
from timebank.ops.bank_move import bank_import


class Command(BaseCommand):
    help = "Import one bank from a bank_export file into a platform that does not hold it."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--source-ledger-key-env", metavar="VAR",
                            help="name of an environment variable holding the source's TIMEBANK_LEDGER_KEY, when "
                                 "this deployment has another: every transfer is checked with it and signed again "
                                 "with this deployment's key")

    def handle(self, *args, file, source_ledger_key_env=None, **options):
        source_key = None
        if source_ledger_key_env:
            source_key = os.environ.get(source_ledger_key_env)
            if not source_key:
                raise CommandError(f"the environment variable {source_ledger_key_env} is not set")
        try:
            with open(file, "rb") as source:
                result = bank_import(source=source, source_ledger_key=source_key)
        except OSError as err:
            raise CommandError(f"cannot read {file}: {err}") from None
        except DomainError as err:
            raise CommandError(f"{err.code}: {err.message}") from None
        self.stdout.write(f"{result.rows} rows and {result.files} files imported in {result.seconds:.1f} s"
                          + (f"; {result.resigned} transfers signed again with this deployment's key"
                             if result.resigned else ""))
        for currency, totals in sorted(result.ledger["totals"].items()):
            self.stdout.write(f"{currency}: {totals['posted_transfers']} posted transfers, {totals['posted_amount']} in all")
        head = result.ledger["chain_head"]
        self.stdout.write(f"chain head: {head['seq']}:{head['hash']}" if head else "chain head: none yet")
        self.stdout.write(self.style.SUCCESS(f"bank {result.code} (id {result.bank_id}) imported; ledger verified"))
