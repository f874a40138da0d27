"""`manage.py partitions [--roll]`: the monthly partitions of ledger transfers and health readings
(PostgreSQL), with their id ranges, estimated rows and size; `--roll` makes this month's and next
month's where missing (what the housekeeping job does every round)."""
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone

from timebank.lib import partitions


class Command(BaseCommand):
    help = "List (and with --roll, make) the monthly partitions of transfers and health readings."

    def add_arguments(self, parser):
        parser.add_argument("--roll", action="store_true", help="make this month's and next month's partitions")

    def handle(self, *args, roll=False, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("SQLite: tables are not partitioned (PostgreSQL only).")
            return
        if roll:
            for table, made in partitions.roll(timezone.now()).items():
                self.stdout.write(f"{table}: {made} partition(s) made")
        for table in partitions.TABLES:
            rows = partitions.describe(table)
            self.stdout.write(f"{table}: {len(rows)} partitions")
            for row in rows:
                self.stdout.write(f"  {row['name']:<28} {row['rows_estimate']:>13,} rows  "
                                  f"{row['bytes'] / 2**20:>10,.1f} MiB  {row['bounds']}")
