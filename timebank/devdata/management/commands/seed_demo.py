"""`python manage.py seed_demo`: load the demo district once; a second run only checks and exits.
`--full` then grows it to the seed article's size through the services (see timebank/devdata/full_district.py);
`--scale 0.01` builds the same district at a hundredth of that size (for tests)."""
import time

from django.core.management.base import BaseCommand, CommandError

from timebank.devdata.district import seed_demo_district


class Command(BaseCommand):
    help = "Load the demo district (杨浦区, 12 streets, staff for every role, elders, volunteers, proxies)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true",
                            help="grow it to the seed's size: ~11,709 elders, 4,347 volunteers, 16 teams, "
                                 "40,000+ services (through the services; takes many minutes)")
        parser.add_argument("--neighbour", action="store_true",
                            help="also a second district (虹口区) on the platform, a member moved there with her "
                                 "coins and yesterday's netting between the banks (`make run` asks for it)")
        parser.add_argument("--scale", type=float, default=1.0, help="with --full: a fraction of that size")

    def handle(self, *args, full=False, scale=1.0, neighbour=False, **options):
        started = time.monotonic()
        if not full:
            if seed_demo_district():
                self.stdout.write(f"Demo district loaded in {time.monotonic() - started:.1f} s.")
            else:
                self.stdout.write("Demo district already loaded; nothing changed.")
            if neighbour:
                from timebank.devdata.neighbour import seed_neighbour_bank

                if seed_neighbour_bank():
                    self.stdout.write("Second district (虹口区) loaded, with a member moved there and a netting run.")
            return
        if not 0 < scale <= 1:
            raise CommandError("--scale must be in (0, 1]")
        from timebank.devdata.full_district import FullDistrict, Targets

        targets = Targets.at(scale)
        self.stdout.write(f"Growing the demo district to {targets.elders:,} elders, {targets.volunteers:,} "
                          f"volunteers, {targets.teams} teams, {targets.served:,} services served …")
        figures = FullDistrict(scale, log=self.stdout.write).build()
        self.stdout.write(f"Counted from the rows: {figures.elders:,} registered elders (demanders), "
                          f"{figures.volunteers:,} approved volunteers (providers), {figures.teams} teams, "
                          f"{figures.served:,} person-times served ({figures.hours_served:,} hours).")
        if figures.refused:
            self.stdout.write(f"Refused by the services (skipped): {figures.refused}")
        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.")
