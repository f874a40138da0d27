"""The audit trail is append-only in the database itself, not only in Python."""
from django.db import migrations

from timebank.lib.vendor_sql import vendor_sql

PG = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'integrity_constraint_violation';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_auditevent
  FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""
PG_UNDO = """
DROP TRIGGER IF EXISTS audit_event_no_update ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_append_only();
"""
SQLITE = [
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
    # SQLite has no TRUNCATE, so the test suite's flush between transactional tests is a DELETE: it
    # passes only while `timebank_purge_allowed` holds a row, which only the test suite inserts.
    # (Whoever can write that row could drop the trigger too: on SQLite this guards against mistakes.)
    "CREATE TABLE IF NOT EXISTS timebank_purge_allowed (flag INTEGER)",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent "
    "WHEN NOT EXISTS (SELECT 1 FROM timebank_purge_allowed) "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
]
SQLITE_UNDO = ["DROP TRIGGER IF EXISTS audit_event_no_update;", "DROP TRIGGER IF EXISTS audit_event_no_delete;",
               "DROP TABLE IF EXISTS timebank_purge_allowed;"]


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]
    operations = [vendor_sql(postgresql=PG, postgresql_undo=PG_UNDO, sqlite=SQLITE, sqlite_undo=SQLITE_UNDO)]
