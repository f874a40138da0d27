"""`python manage.py seed_demo`: load the demo district once; a second run only checks and exits."""
import time

from django.core.management.base import BaseCommand

from timebank.people.demo_district import seed_demo_district


class Command(BaseCommand):
    help = "Load the demo district (杨浦区, 12 streets, staff for every role, elders, volunteers, proxies)."

    def handle(self, *args, **options):
        started = time.monotonic()
        if seed_demo_district():
            self.stdout.write(f"Demo district loaded in {time.monotonic() - started:.1f} s.")
        else:
            self.stdout.write("Demo district already loaded; nothing changed.")
