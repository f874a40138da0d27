"""`python manage.py generate_city --members N --demands N --transfers N [--seed S] [--bank-code CODE]`:
bulk-load a synthetic city (bank, branches, stations, members, teams, demands, services, a sealed
ledger) for benchmarks; deterministic for a seed. See timebank/devdata/city.py."""
import time

from django.core.management.base import BaseCommand, CommandError

from timebank.devdata.city import CityGenerator
from timebank.orgs.models import Node, NodeKind


class Command(BaseCommand):
    help = "Bulk-load a synthetic city into the real tables (COPY on PostgreSQL); verify_ledger passes on it."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, required=True, help="elders and volunteers (73%% / 27%%)")
        parser.add_argument("--demands", type=int, required=True)
        parser.add_argument("--transfers", type=int, required=True, help="ledger transfers in all, exactly")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--bank-code", default="city", help="code of the generated bank (must be new)")
        parser.add_argument("--chunk", type=int, default=50_000, help="rows per COPY")
        parser.add_argument("--no-rollups", action="store_true",
                            help="skip rebuilding the statistics rollups (then run stats_reconcile --rebuild)")

    def handle(self, *args, members, demands, transfers, seed, bank_code, chunk, no_rollups=False, **options):
        if Node.objects.filter(kind=NodeKind.BANK, code=bank_code).exists():
            raise CommandError(f"a bank with code {bank_code!r} exists already; choose another --bank-code")
        started = time.perf_counter()
        self.stdout.write(f"generating {members:,} members, {demands:,} demands, {transfers:,} transfers "
                          f"(seed {seed}, bank {bank_code})")
        try:
            generator = CityGenerator(members=members, demands=demands, transfers=transfers, seed=seed,
                                      bank_code=bank_code, chunk=chunk, log=self.stdout.write,
                                      rollups=not no_rollups)
            created = generator.run()
        except (ValueError, OverflowError) as err:
            raise CommandError(str(err) or "the transfer budget ran out") from None
        timings = generator.timings
        self.stdout.write("rows written per table:")
        for table, rows in timings.rows.items():
            seconds = timings.seconds[table]
            rate = rows / seconds if seconds else 0
            self.stdout.write(f"  {table:<28} {rows:>11,} rows  {seconds:8.1f} s  {rate:>10,.0f} rows/s")
        for key, value in created.items():
            self.stdout.write(f"  {key}: {value:,}" if isinstance(value, int) else f"  {key}: {value}")
        self.stdout.write(self.style.SUCCESS(f"city {bank_code!r} generated in {time.perf_counter() - started:.1f} s; "
                                             f"bank admin {created['bank_admin_mobile']} / password City#2026"))
