"""`python manage.py demo_logins`: the Markdown table of one demo login per role (also in README.md)."""
from django.core.management.base import BaseCommand

from timebank.devdata.district import demo_logins_table, is_seeded


class Command(BaseCommand):
    help = "Print one demo login per role as a Markdown table."

    def handle(self, *args, **options):
        if not is_seeded():
            self.stderr.write("The demo district is not loaded yet: run `python manage.py seed_demo` first.")
        self.stdout.write(demo_logins_table())
