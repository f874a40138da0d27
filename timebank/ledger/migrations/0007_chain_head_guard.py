"""The chain head only moves forward, onto the bank's newest seal: an UPDATE that points it
anywhere else (an older link, a made-up hash) is refused, and it is never deleted. Before this,
moving the head made every later sealing fail.

On PostgreSQL the triggers that move account totals run as their owner (SECURITY DEFINER), so
the app's own login role needs no UPDATE privilege on the totals at all (timebank/ops/db_roles.py)."""
from django.db import migrations

from timebank.lib.vendor_sql import vendor_sql

PG = r"""
CREATE OR REPLACE FUNCTION ledger_chainhead_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'a chain head is never deleted' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF NEW.bank_id <> OLD.bank_id OR NEW.seq < OLD.seq
     OR (NEW.seq, NEW.hash) IS DISTINCT FROM (OLD.seq, OLD.hash) AND NOT EXISTS (
       SELECT 1 FROM ledger_seal s WHERE s.bank_id = NEW.bank_id AND s.seq = NEW.seq AND s.hash = NEW.hash
         AND NOT EXISTS (SELECT 1 FROM ledger_seal n WHERE n.bank_id = NEW.bank_id AND n.seq > NEW.seq)) THEN
    RAISE EXCEPTION 'the chain head moves only forward, onto the newest seal' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_chainhead_guard BEFORE UPDATE OR DELETE ON ledger_chainhead
  FOR EACH ROW EXECUTE FUNCTION ledger_chainhead_guard();
ALTER FUNCTION ledger_transfer_inserted() SECURITY DEFINER SET search_path = pg_catalog, public;
ALTER FUNCTION ledger_hold_released() SECURITY DEFINER SET search_path = pg_catalog, public;
"""
PG_UNDO = "DROP TRIGGER IF EXISTS ledger_chainhead_guard ON ledger_chainhead; " \
          "DROP FUNCTION IF EXISTS ledger_chainhead_guard(); " \
          "ALTER FUNCTION ledger_transfer_inserted() SECURITY INVOKER RESET search_path; " \
          "ALTER FUNCTION ledger_hold_released() SECURITY INVOKER RESET search_path;"

SQLITE = [
    "CREATE TRIGGER ledger_chainhead_guard BEFORE UPDATE ON ledger_chainhead "
    "WHEN NEW.bank_id IS NOT OLD.bank_id OR NEW.seq < OLD.seq "
    "OR ((NEW.seq IS NOT OLD.seq OR NEW.hash IS NOT OLD.hash) AND NOT EXISTS ("
    "SELECT 1 FROM ledger_seal s WHERE s.bank_id = NEW.bank_id AND s.seq = NEW.seq AND s.hash = NEW.hash "
    "AND NOT EXISTS (SELECT 1 FROM ledger_seal n WHERE n.bank_id = NEW.bank_id AND n.seq > NEW.seq))) "
    "BEGIN SELECT RAISE(ABORT, 'the chain head moves only forward, onto the newest seal'); END;",
    "CREATE TRIGGER ledger_chainhead_no_delete BEFORE DELETE ON ledger_chainhead "
    "WHEN NOT EXISTS (SELECT 1 FROM timebank_purge_allowed) "
    "BEGIN SELECT RAISE(ABORT, 'a chain head is never deleted'); END;",
]
SQLITE_UNDO = ["DROP TRIGGER IF EXISTS ledger_chainhead_guard;", "DROP TRIGGER IF EXISTS ledger_chainhead_no_delete;"]


class Migration(migrations.Migration):
    dependencies = [("ledger", "0006_totals_from_transfers")]
    operations = [vendor_sql(postgresql=PG, postgresql_undo=PG_UNDO, sqlite=SQLITE, sqlite_undo=SQLITE_UNDO)]
