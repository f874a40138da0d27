"""`manage.py db_app_role ROLE [--create]`: give the app's login role its least privileges (run as
the tables' owner, after `migrate`). See timebank/ops/db_roles.py and docs/OPERATIONS.md."""
import os

from django.core.management.base import BaseCommand, CommandError

from timebank.ops.db_roles import grant_app_role


class Command(BaseCommand):
    help = "Grant the app's PostgreSQL login role exactly the privileges the services need."

    def add_arguments(self, parser):
        parser.add_argument("role")
        parser.add_argument("--create", action="store_true",
                            help="create the login role if missing, password from TIMEBANK_DB_APP_PASSWORD")

    def handle(self, *args, role, create, **options):
        password = None
        if create:
            password = os.environ.get("TIMEBANK_DB_APP_PASSWORD")
            if not password:
                raise CommandError("set TIMEBANK_DB_APP_PASSWORD to create the role")
        try:
            tables = grant_app_role(role, create_with_password=password)
        except RuntimeError as err:
            raise CommandError(str(err)) from None
        self.stdout.write(f"role {role}: privileges set on {tables} tables")
