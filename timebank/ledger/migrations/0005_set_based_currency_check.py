"""On PostgreSQL the "both accounts hold the transfer's currency" rule is checked once per INSERT
statement over all its new rows (a transition table) instead of once per row: a group activity's
batch of thousands of credits pays for one set-based check. The append-only rule stays per row."""
from django.db import migrations

from timebank.lib.vendor_sql import vendor_sql

PG = r"""
DROP TRIGGER IF EXISTS ledger_transfer_guard ON ledger_transfer;
CREATE TRIGGER ledger_transfer_guard BEFORE UPDATE OR DELETE ON ledger_transfer
  FOR EACH ROW EXECUTE FUNCTION ledger_transfer_guard();

CREATE OR REPLACE FUNCTION ledger_transfer_currency_check() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows n
             JOIN ledger_account d ON d.id = n.debit_id
             JOIN ledger_account c ON c.id = n.credit_id
             WHERE d.currency <> n.currency OR c.currency <> n.currency) THEN
    RAISE EXCEPTION 'both accounts must hold the transfer currency' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_transfer_currency AFTER INSERT ON ledger_transfer
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ledger_transfer_currency_check();
"""
PG_UNDO = r"""
DROP TRIGGER IF EXISTS ledger_transfer_currency ON ledger_transfer;
DROP FUNCTION IF EXISTS ledger_transfer_currency_check();
DROP TRIGGER IF EXISTS ledger_transfer_guard ON ledger_transfer;
CREATE TRIGGER ledger_transfer_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_transfer
  FOR EACH ROW EXECUTE FUNCTION ledger_transfer_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_grant_request")]
    operations = [vendor_sql(postgresql=PG, postgresql_undo=PG_UNDO)]
