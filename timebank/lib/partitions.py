"""Monthly partitions for the two tables that grow without end: ledger transfers and health readings.

PostgreSQL only (SQLite keeps plain tables). The tables are partitioned by RANGE on their `id`, and
each month has a block of ids of its own: a row inserted in December 2026 (Asia/Shanghai) gets an
id from 202612 × 10^10 up, in the partition `<table>_p202612`. So:

- the primary key stays `id` alone, and every foreign key into these tables (seals, holds, alerts,
  clearing records …) keeps working: a foreign key may point at a partitioned table whose unique
  key contains the partition key, and here the partition key is the key;
- ordering by id is still ordering by time, and "newest first" (the passbook) reads the newest
  partition first and stops (PostgreSQL's ordered Append over non-overlapping ranges);
- ids stay below 2^53, exact in JavaScript and JSON, until the year 9007.

The rows from before partitioning (small ids) stay in `<table>_p0`, which takes every id below
10^15. The monthly roll (`roll`, run by the housekeeping jobs and after every migrate) creates this
month's and next month's partitions ahead of time — DDL with a lock timeout, retried at the next
run — and moves the id sequence to this month's block once the month has begun; moving the
sequence needs no lock, so the turn of the month never waits on a table lock. Both steps happen
in `timebank_partitions_roll`, a function owned by the tables' owner (the app role may not create
tables) and serialised by an advisory lock.

A key that must be unique across months (an idempotency key, a device's reading sequence) lives in
a small table of its own (`ledger_transferkey`, `health_readingkey`): a unique index of a
partitioned table must contain the partition key."""
import datetime as dt
import zoneinfo

from django.db import connection as default_connection

BLOCK = 10**10  # ids per month: far more than a city posts in a month
LEGACY_UPPER = 10**15  # every id below this (rows from before partitioning) lives in <table>_p0
TABLES = ("ledger_transfer", "health_reading")
LOCAL = zoneinfo.ZoneInfo("Asia/Shanghai")

ROLL_FUNCTION = r"""
CREATE OR REPLACE FUNCTION timebank_partition_ensure(parent text, yyyymm integer) RETURNS integer
  SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp SET lock_timeout = '200ms' AS $$
DECLARE
  lo bigint := yyyymm::bigint * 10000000000; space text; name text := parent || '_p' || yyyymm;
BEGIN
  IF yyyymm < 200001 OR yyyymm > 900012 OR yyyymm % 100 NOT BETWEEN 1 AND 12 THEN
    RAISE EXCEPTION 'not a month: %', yyyymm USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT relnamespace::regnamespace::text INTO space FROM pg_class WHERE oid = parent::regclass AND relkind = 'p';
  IF space IS NULL THEN
    RAISE EXCEPTION 'not a partitioned table: %', parent USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('timebank_partitions:' || parent));
  IF to_regclass(format('%I.%I', space, name)) IS NOT NULL THEN
    RETURN 0;
  END IF;
  EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES FROM (%s) TO (%s)',
                 space, name, space, parent, lo, lo + 10000000000);
  RETURN 1;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION timebank_partitions_roll(parent text, yyyymm integer) RETURNS integer
  SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  next_month integer := CASE WHEN yyyymm % 100 = 12 THEN yyyymm + 89 ELSE yyyymm + 1 END;
  made integer; seq text; current bigint; lo bigint := yyyymm::bigint * 10000000000;
BEGIN
  -- This month's partition must be there before its ids are handed out (normally it was made a month
  -- ahead, so this takes no lock). Next month's is made when the table's lock comes within 200 ms;
  -- otherwise the next round tries again, and the ids move on regardless.
  made := timebank_partition_ensure(parent, yyyymm);
  BEGIN
    made := made + timebank_partition_ensure(parent, next_month);
  EXCEPTION WHEN lock_not_available THEN
    NULL;
  END;
  seq := pg_get_serial_sequence(parent, 'id');
  EXECUTE format('SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM %s', seq) INTO current;
  IF current < lo THEN
    PERFORM setval(seq, lo, false);
  END IF;
  RETURN made;
END $$ LANGUAGE plpgsql;
"""
ROLL_FUNCTION += """
REVOKE ALL ON FUNCTION timebank_partition_ensure(text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION timebank_partitions_roll(text, integer) FROM PUBLIC;
"""
ROLL_FUNCTIONS = ("timebank_partition_ensure(text, integer)", "timebank_partitions_roll(text, integer)")
ROLL_FUNCTION_UNDO = ("DROP FUNCTION IF EXISTS timebank_partitions_roll(text, integer); "
                      "DROP FUNCTION IF EXISTS timebank_partition_ensure(text, integer);")


def month_of(when: dt.datetime) -> int:
    """yyyymm of `when` in the bank's time zone."""
    local = when.astimezone(LOCAL)
    return local.year * 100 + local.month


def add_months(yyyymm: int, months: int) -> int:
    index = (yyyymm // 100) * 12 + yyyymm % 100 - 1 + months
    return (index // 12) * 100 + index % 12 + 1


def current_month_of_ids(table: str, *, connection=None) -> int:
    """The month whose block the table's id sequence is handing out (0 below the monthly blocks)."""
    connection = connection or default_connection
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_value FROM {connection.ops.quote_name(table + '_id_seq')}")
        last = cursor.fetchone()[0]
    return last // BLOCK if last >= LEGACY_UPPER else 0


def block_start(yyyymm: int) -> int:
    return yyyymm * BLOCK


def is_partitioned(table: str, *, connection=None) -> bool:
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
    return bool(row) and row[0] == "p"


def roll(when: dt.datetime, *, tables=TABLES, connection=None) -> dict[str, int]:
    """Create the month of `when` and the next one where missing, and move each table's ids to the
    month's block. Returns {table: partitions created}; {} on SQLite."""
    connection = connection or default_connection
    made: dict[str, int] = {}
    for table in tables:
        if not is_partitioned(table, connection=connection):
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT timebank_partitions_roll(%s, %s)", [table, month_of(when)])
            made[table] = cursor.fetchone()[0]
    return made


def ensure_for_ids(table: str, ids, *, connection=None) -> int:
    """Make sure every id in `ids` has its partition (rows inserted with their ids, e.g. a bank
    imported from another platform, whose months may be older than this database). Returns the
    number of partitions created."""
    connection = connection or default_connection
    if not is_partitioned(table, connection=connection):
        return 0
    months = sorted({i // BLOCK for i in ids if i >= LEGACY_UPPER})
    made = 0
    with connection.cursor() as cursor:
        for month in months:
            cursor.execute("SELECT timebank_partition_ensure(%s, %s)", [table, month])
            made += cursor.fetchone()[0]
    return made


def describe(table: str, *, connection=None) -> list[dict]:
    """The partitions of `table`, oldest first: name, bounds and estimated rows (planner statistics)."""
    connection = connection or default_connection
    if not is_partitioned(table, connection=connection):
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), greatest(c.reltuples, 0)::bigint, "
            "pg_total_relation_size(c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname", [table])
        return [{"name": name, "bounds": bounds, "rows_estimate": rows, "bytes": size}
                for name, bounds, rows, size in cursor.fetchall()]


def partition_table(schema_editor, table: str) -> None:
    """Turn `table` (id primary key) into a table partitioned by RANGE (id), in a migration on
    PostgreSQL: the existing table, renamed `<table>_p0`, becomes the partition of every id below
    10^15, with its rows untouched. Its indexes, check constraints, triggers and foreign keys, and the
    foreign keys of other tables that point at it, are made again on the partitioned table under the
    same names; the id sequence keeps counting. Then the current month's partitions are rolled in."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or is_partitioned(table, connection=connection):
        return
    legacy = f"{table}_p0"
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)::oid", [table])
        oid = cursor.fetchone()[0]
        # What has to be made again on the new parent, read before anything changes.
        cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE confrelid = %s AND contype = 'f' AND conrelid <> %s", [oid, oid])
        incoming = cursor.fetchall()
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = %s AND contype = 'f'", [oid])
        outgoing = cursor.fetchall()
        cursor.execute("SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s AND NOT tgisinternal "
                       "ORDER BY tgname", [oid])
        triggers = cursor.fetchall()
        cursor.execute("SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                       "WHERE i.indrelid = %s AND NOT i.indisprimary", [oid])
        indexes = cursor.fetchall()
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s AND contype = 'p'", [oid])
        pkey = cursor.fetchone()[0]
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
        last_value, is_called = cursor.fetchone()
        # Who may do what on the table (the app role's grants): they move to the partitioned table,
        # and the old table, now a partition, keeps none (a statement naming a partition does not fire
        # the parent's statement triggers, which keep the account totals).
        cursor.execute("SELECT grantee, privilege_type FROM information_schema.role_table_grants "
                       "WHERE table_schema = current_schema() AND table_name = %s AND grantee <> current_user",
                       [table])
        table_grants = cursor.fetchall()
        cursor.execute("SELECT grantee, privilege_type, column_name FROM information_schema.column_privileges "
                       "WHERE table_schema = current_schema() AND table_name = %s AND grantee <> current_user",
                       [table])
        column_grants = [g for g in cursor.fetchall() if (g[0], g[1]) not in set(table_grants)]

        for referrer, name, _definition in incoming:
            cursor.execute(f"ALTER TABLE {referrer} DROP CONSTRAINT {q(name)}")
        for name, _definition in outgoing:
            cursor.execute(f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(name)}")
        for name, _definition in triggers:
            cursor.execute(f"DROP TRIGGER {q(name)} ON {q(table)}")
        # The identity goes (a partitioned table cannot have one before PostgreSQL 17); a sequence
        # owned by the parent's id continues from where the identity was.
        cursor.execute(f"ALTER TABLE {q(table)} ALTER COLUMN id DROP IDENTITY IF EXISTS")
        cursor.execute(f"ALTER TABLE {q(table)} RENAME TO {q(legacy)}")
        cursor.execute(f"ALTER TABLE {q(legacy)} RENAME CONSTRAINT {q(pkey)} TO {q(legacy + '_pkey')}")
        for name, _definition in indexes:
            cursor.execute(f"ALTER INDEX {q(name)} RENAME TO {q(name + '_p0')}")
        cursor.execute(f"CREATE TABLE {q(table)} (LIKE {q(legacy)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                       f"INCLUDING STORAGE) PARTITION BY RANGE (id)")
        cursor.execute(f"CREATE SEQUENCE {q(table + '_id_seq')} AS bigint OWNED BY {q(table)}.id")
        cursor.execute("SELECT setval(%s, %s, %s)", [f"{table}_id_seq", last_value, is_called])
        cursor.execute(f"ALTER TABLE {q(table)} ALTER COLUMN id SET DEFAULT nextval({_literal(table + '_id_seq')})")
        cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(pkey)} PRIMARY KEY (id)")
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute(f"ALTER TABLE {q(table)} ATTACH PARTITION {q(legacy)} FOR VALUES FROM (MINVALUE) "
                       f"TO ({LEGACY_UPPER})")
        for name, definition in outgoing:
            cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
        for _name, definition in triggers:
            cursor.execute(definition)
        for referrer, name, definition in incoming:
            cursor.execute(f"ALTER TABLE {referrer} ADD CONSTRAINT {q(name)} {definition}")
        for grantee in sorted({g for g, _p in table_grants} | {g for g, _p, _c in column_grants}):
            cursor.execute(f"REVOKE ALL ON TABLE {q(legacy)} FROM {q(grantee)}")
        for grantee, privilege in table_grants:
            cursor.execute(f"GRANT {privilege} ON TABLE {q(table)} TO {q(grantee)}")
        for grantee, privilege, column in column_grants:
            cursor.execute(f"GRANT {privilege} ({q(column)}) ON TABLE {q(table)} TO {q(grantee)}")
        # The old partition's copies of the parent's indexes were attached; drop what was not.
        cursor.execute("SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                       "WHERE i.indrelid = to_regclass(%s) AND NOT EXISTS (SELECT 1 FROM pg_inherits h "
                       "WHERE h.inhrelid = i.indexrelid) AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
                       "WHERE k.conindid = i.indexrelid)", [legacy])
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP INDEX {q(name)}")
        cursor.execute(ROLL_FUNCTION)
    from django.utils import timezone
    roll(timezone.now(), tables=[table], connection=connection)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
