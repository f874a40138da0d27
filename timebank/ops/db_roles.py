"""Least privilege on PostgreSQL: the migrations run as the tables' owner; the web server and
the worker connect as an app role that may read everything and write only what the services
write. The app role is not an owner and not a superuser, so it cannot TRUNCATE, drop or disable a
trigger, change a table or set `session_replication_role`; on top of that:

- `ledger_transfer`: INSERT, and UPDATE of `status`/`resolved_at` only (a hold resolving; the
  append-only trigger refuses anything else); never DELETE.
- `ledger_account`: INSERT (opening an account, with zero totals). Its totals are moved by the
  ledger's triggers, which run as the owner (SECURITY DEFINER, migration ledger/0007); the app
  holds UPDATE of `allow_negative` only because `SELECT … FOR UPDATE` needs one updatable
  column, and the account guard refuses changing it.
- `ledger_seal`, `audit_auditevent`: INSERT only. `django_migrations`, `ledger_transferkey` and
  `health_readingkey` (written by the key triggers, which run as the owner): read only.
- partitions of the monthly partitioned tables (`ledger_transfer_p202612` …): nothing; the rows are
  read and written through the partitioned table, whose privileges PostgreSQL checks.
- every other table: SELECT, INSERT, UPDATE, DELETE; sequences: USAGE, SELECT.

`grant_app_role` is idempotent; `manage.py db_app_role ROLE` runs it, and it runs again after
every `migrate` when `TIMEBANK_DB_APP_ROLE` names the role, so a new table is never left out."""
from django.db import connection as default_connection

INSERT_ONLY = {"ledger_seal", "audit_auditevent"}
# The key tables are written by SECURITY DEFINER triggers only (ledger/0013, health/0004).
READ_ONLY = {"django_migrations", "ledger_transferkey", "health_readingkey"}
SPECIAL = {
    "ledger_transfer": ["SELECT", "INSERT", "UPDATE (status, resolved_at, mac)"],
    "ledger_account": ["SELECT", "INSERT", "UPDATE (allow_negative)"],
}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def grants_for(tables: list[str], role: str) -> list[str]:
    """The statements that give `role` exactly the privileges above, starting from none."""
    r = _quote(role)
    statements = [f"GRANT USAGE ON SCHEMA public TO {r}"]
    for table in sorted(tables):
        t = _quote(table)
        statements.append(f"REVOKE ALL ON TABLE {t} FROM {r}")
        if table in SPECIAL:
            privileges = SPECIAL[table]
        elif table in INSERT_ONLY:
            privileges = ["SELECT", "INSERT"]
        elif table in READ_ONLY:
            privileges = ["SELECT"]
        else:
            privileges = ["SELECT", "INSERT", "UPDATE", "DELETE"]
        statements.extend(f"GRANT {p} ON TABLE {t} TO {r}" for p in privileges)
    statements.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}")
    return statements


def grant_app_role(role: str, *, connection=None, create_with_password: str | None = None) -> int:
    """Give the app role its privileges on every table of the current database (PostgreSQL only).
    Returns the number of tables. With `create_with_password`, create the login role first if it
    does not exist."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        raise RuntimeError("database roles exist on PostgreSQL only")
    with connection.cursor() as cursor:
        if create_with_password is not None:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone() is None:
                cursor.execute(f"CREATE ROLE {_quote(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %s",
                               [create_with_password])
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
        row = cursor.fetchone()
        if row is None:
            raise RuntimeError(f"role {role} does not exist")
        if row[0]:
            raise RuntimeError(f"role {role} is a superuser: the app must not run as one")
        # Partitions get nothing: rows are read and written through the partitioned table, whose
        # privileges PostgreSQL checks (timebank/lib/partitions.py).
        cursor.execute("SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                       "AND relkind IN ('r', 'p') AND NOT relispartition")
        tables = [name for (name,) in cursor.fetchall()]
        cursor.execute(f"GRANT CONNECT ON DATABASE {_quote(connection.settings_dict['NAME'])} TO {_quote(role)}")
        for statement in grants_for(tables, role):
            cursor.execute(statement)
        # Partitions: nothing at all, whatever they held before (a table that became a partition).
        cursor.execute("SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relispartition "
                       "AND relkind IN ('r', 'p')")
        for (partition,) in cursor.fetchall():
            cursor.execute(f"REVOKE ALL ON TABLE {_quote(partition)} FROM {_quote(role)}")
        # The monthly roll (timebank/lib/partitions.py): the housekeeping job calls it as the app role.
        from timebank.lib.partitions import ROLL_FUNCTIONS

        for function in ROLL_FUNCTIONS:
            cursor.execute("SELECT to_regprocedure(%s) IS NOT NULL", [function])
            if cursor.fetchone()[0]:
                cursor.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {_quote(role)}")
    return len(tables)


def regrant_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate: when TIMEBANK_DB_APP_ROLE is set, re-apply the app role's grants (new tables)."""
    from django.conf import settings
    from django.db import connections

    role = getattr(settings, "TIMEBANK_DB_APP_ROLE", "")
    connection = connections[using]
    if not (role and connection.vendor == "postgresql" and sender.label == "ops"):
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        exists = cursor.fetchone() is not None
    if exists:
        grant_app_role(role, connection=connection)
    else:
        import sys
        print(f"TIMEBANK_DB_APP_ROLE={role}: no such role yet; create it with `manage.py db_app_role {role} --create`",
              file=sys.stderr)
