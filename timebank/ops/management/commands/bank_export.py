"""`manage.py bank_export BANK --out FILE`: every row and uploaded file of one bank in one zip file with a
manifest, for moving the bank to another deployment (timebank/ops/bank_move.py; docs/OPERATIONS.md)."""
from django.core.management.base import BaseCommand, CommandError

from timebank.lib.errors import DomainError
from timebank.ops.bank_move import bank_export, bank_find


class Command(BaseCommand):
    help = "Write one bank (by code or node id) to a single file for bank_import."

    def add_arguments(self, parser):
        parser.add_argument("bank", help="the bank's code or node id")
        parser.add_argument("--out", required=True, help="the file to write (a zip; it holds personal data)")

    def handle(self, *args, bank, out, **options):
        try:
            result = bank_export(bank=bank_find(bank), out=out)
        except DomainError as err:
            raise CommandError(f"{err.code}: {err.message}") from None
        for table, count in result.counts.items():
            if count:
                self.stdout.write(f"{table}: {count}")
        self.stdout.write(self.style.SUCCESS(
            f"bank {result.bank.code} (id {result.bank.pk}): {result.rows} rows and {result.files} files "
            f"written to {result.path} ({result.size:,} bytes) in {result.seconds:.1f} s"))
