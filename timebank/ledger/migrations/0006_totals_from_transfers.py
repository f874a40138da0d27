"""Account totals are kept by the database from transfers alone.

Inserting a posted transfer adds its amount to the debit's and the credit's posted totals;
inserting a hold adds to the pending totals; a hold leaving `pending` takes its amount off them
again. Nothing else may change a total: an UPDATE of `ledger_account` that touches a total from
anywhere but these triggers is refused (PostgreSQL: `pg_trigger_depth()`; SQLite: a gate row that
only the triggers open), whatever role sends it. The same-bank rule for a transfer (both accounts
belong to the transfer's bank) and "corrections never exceed what they correct" are checked here
too. The posting logic therefore exists once, in these triggers, and runs the same way on both
databases; the `ledger_post` function of migration 0003, a second copy of it, is dropped."""
from django.db import migrations

from timebank.lib.vendor_sql import vendor_sql

PG = r"""
DROP FUNCTION IF EXISTS ledger_post(bigint, bigint, bigint, bigint, varchar, varchar, bigint, varchar, varchar,
                                    varchar, varchar, bigint, timestamptz);
DROP TRIGGER IF EXISTS ledger_transfer_currency ON ledger_transfer;
DROP FUNCTION IF EXISTS ledger_transfer_currency_check();

CREATE OR REPLACE FUNCTION ledger_transfer_inserted() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows n
             JOIN ledger_account d ON d.id = n.debit_id
             JOIN ledger_account c ON c.id = n.credit_id
             WHERE d.currency <> n.currency OR c.currency <> n.currency) THEN
    RAISE EXCEPTION 'both accounts must hold the transfer currency' USING ERRCODE = 'check_violation';
  END IF;
  IF EXISTS (SELECT 1 FROM new_rows n
             JOIN ledger_account d ON d.id = n.debit_id
             JOIN ledger_account c ON c.id = n.credit_id
             WHERE d.bank_id <> n.bank_id OR c.bank_id <> n.bank_id) THEN
    RAISE EXCEPTION 'both accounts must belong to the transfer''s bank' USING ERRCODE = 'check_violation';
  END IF;
  IF EXISTS (SELECT 1 FROM (SELECT DISTINCT corrects_id FROM new_rows WHERE corrects_id IS NOT NULL) n
             JOIN ledger_transfer o ON o.id = n.corrects_id
             WHERE (SELECT sum(c.amount) FROM ledger_transfer c
                    WHERE c.corrects_id = o.id AND c.status = 'posted') > o.amount) THEN
    RAISE EXCEPTION 'corrections may not exceed the transfer they correct' USING ERRCODE = 'check_violation';
  END IF;
  UPDATE ledger_account a
     SET posted_debits = a.posted_debits + s.pd, posted_credits = a.posted_credits + s.pc,
         pending_debits = a.pending_debits + s.hd, pending_credits = a.pending_credits + s.hc
    FROM (SELECT account_id, sum(pd) AS pd, sum(pc) AS pc, sum(hd) AS hd, sum(hc) AS hc FROM (
            SELECT debit_id AS account_id,
                   CASE WHEN status = 'posted' THEN amount ELSE 0 END AS pd, 0 AS pc,
                   CASE WHEN status = 'pending' THEN amount ELSE 0 END AS hd, 0 AS hc
              FROM new_rows WHERE status IN ('posted', 'pending')
            UNION ALL
            SELECT credit_id, 0, CASE WHEN status = 'posted' THEN amount ELSE 0 END,
                   0, CASE WHEN status = 'pending' THEN amount ELSE 0 END
              FROM new_rows WHERE status IN ('posted', 'pending')) x
          GROUP BY account_id) s
   WHERE a.id = s.account_id;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_transfer_inserted AFTER INSERT ON ledger_transfer
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ledger_transfer_inserted();

CREATE OR REPLACE FUNCTION ledger_hold_released() RETURNS trigger AS $$
BEGIN
  UPDATE ledger_account SET pending_debits = pending_debits - OLD.amount WHERE id = OLD.debit_id;
  UPDATE ledger_account SET pending_credits = pending_credits - OLD.amount WHERE id = OLD.credit_id;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_hold_released AFTER UPDATE OF status ON ledger_transfer
  FOR EACH ROW WHEN (OLD.status = 'pending' AND NEW.status <> 'pending') EXECUTE FUNCTION ledger_hold_released();

CREATE OR REPLACE FUNCTION ledger_account_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'ledger accounts are never deleted' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF (NEW.posted_debits, NEW.posted_credits, NEW.pending_debits, NEW.pending_credits)
       IS DISTINCT FROM (OLD.posted_debits, OLD.posted_credits, OLD.pending_debits, OLD.pending_credits)
     AND pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'account totals change only by posting transfers' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF NEW.posted_debits < OLD.posted_debits OR NEW.posted_credits < OLD.posted_credits
     OR NEW.bank_id <> OLD.bank_id OR NEW.currency <> OLD.currency OR NEW.kind <> OLD.kind
     OR NEW.owner_id IS DISTINCT FROM OLD.owner_id OR NEW.node_id IS DISTINCT FROM OLD.node_id
     OR NEW.allow_negative <> OLD.allow_negative THEN
    RAISE EXCEPTION 'posted totals only grow and an account never changes owner or currency'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_account_opened() RETURNS trigger AS $$
BEGIN
  IF NEW.posted_debits <> 0 OR NEW.posted_credits <> 0 OR NEW.pending_debits <> 0 OR NEW.pending_credits <> 0 THEN
    RAISE EXCEPTION 'an account opens with zero totals' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_account_opened BEFORE INSERT ON ledger_account
  FOR EACH ROW EXECUTE FUNCTION ledger_account_opened();
"""

PG_UNDO = r"""
DROP TRIGGER IF EXISTS ledger_account_opened ON ledger_account; DROP FUNCTION IF EXISTS ledger_account_opened();
DROP TRIGGER IF EXISTS ledger_hold_released ON ledger_transfer; DROP FUNCTION IF EXISTS ledger_hold_released();
DROP TRIGGER IF EXISTS ledger_transfer_inserted ON ledger_transfer; DROP FUNCTION IF EXISTS ledger_transfer_inserted();
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
CREATE OR REPLACE FUNCTION ledger_account_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'ledger accounts are never deleted' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF NEW.posted_debits < OLD.posted_debits OR NEW.posted_credits < OLD.posted_credits
     OR NEW.bank_id <> OLD.bank_id OR NEW.currency <> OLD.currency OR NEW.kind <> OLD.kind
     OR NEW.owner_id IS DISTINCT FROM OLD.owner_id OR NEW.node_id IS DISTINCT FROM OLD.node_id
     OR NEW.allow_negative <> OLD.allow_negative THEN
    RAISE EXCEPTION 'posted totals only grow and an account never changes owner or currency'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
"""

_TOTALS_CHANGED = ("(NEW.posted_debits IS NOT OLD.posted_debits OR NEW.posted_credits IS NOT OLD.posted_credits "
                   "OR NEW.pending_debits IS NOT OLD.pending_debits OR NEW.pending_credits IS NOT OLD.pending_credits)")
_OPEN, _CLOSE = "UPDATE ledger_totals_gate SET open = 1;", "UPDATE ledger_totals_gate SET open = 0;"

SQLITE = [
    "CREATE TABLE ledger_totals_gate (open integer NOT NULL)",
    "INSERT INTO ledger_totals_gate (open) VALUES (0)",
    "CREATE TRIGGER ledger_totals_gate_one_row BEFORE INSERT ON ledger_totals_gate "
    "BEGIN SELECT RAISE(ABORT, 'the totals gate has one row'); END;",
    "CREATE TRIGGER ledger_transfer_same_bank BEFORE INSERT ON ledger_transfer "
    "WHEN (SELECT bank_id FROM ledger_account WHERE id = NEW.debit_id) IS NOT NEW.bank_id "
    "OR (SELECT bank_id FROM ledger_account WHERE id = NEW.credit_id) IS NOT NEW.bank_id "
    "BEGIN SELECT RAISE(ABORT, 'both accounts must belong to the transfer''s bank'); END;",
    "CREATE TRIGGER ledger_transfer_correction_bound BEFORE INSERT ON ledger_transfer "
    "WHEN NEW.corrects_id IS NOT NULL AND NEW.status = 'posted' AND "
    "(SELECT COALESCE(SUM(amount), 0) FROM ledger_transfer WHERE corrects_id = NEW.corrects_id AND status = 'posted') "
    "+ NEW.amount > (SELECT amount FROM ledger_transfer WHERE id = NEW.corrects_id) "
    "BEGIN SELECT RAISE(ABORT, 'corrections may not exceed the transfer they correct'); END;",
    "CREATE TRIGGER ledger_transfer_inserted AFTER INSERT ON ledger_transfer "
    "WHEN NEW.status IN ('posted', 'pending') BEGIN " + _OPEN +
    " UPDATE ledger_account SET"
    " posted_debits = posted_debits + (CASE WHEN NEW.status = 'posted' THEN NEW.amount ELSE 0 END),"
    " pending_debits = pending_debits + (CASE WHEN NEW.status = 'pending' THEN NEW.amount ELSE 0 END)"
    " WHERE id = NEW.debit_id;"
    " UPDATE ledger_account SET"
    " posted_credits = posted_credits + (CASE WHEN NEW.status = 'posted' THEN NEW.amount ELSE 0 END),"
    " pending_credits = pending_credits + (CASE WHEN NEW.status = 'pending' THEN NEW.amount ELSE 0 END)"
    " WHERE id = NEW.credit_id; " + _CLOSE + " END;",
    "CREATE TRIGGER ledger_hold_released AFTER UPDATE OF status ON ledger_transfer "
    "WHEN OLD.status = 'pending' AND NEW.status <> 'pending' BEGIN " + _OPEN +
    " UPDATE ledger_account SET pending_debits = pending_debits - OLD.amount WHERE id = OLD.debit_id;"
    " UPDATE ledger_account SET pending_credits = pending_credits - OLD.amount WHERE id = OLD.credit_id; "
    + _CLOSE + " END;",
    "CREATE TRIGGER ledger_account_totals_only_by_transfers BEFORE UPDATE ON ledger_account "
    f"WHEN {_TOTALS_CHANGED} AND (SELECT open FROM ledger_totals_gate) IS NOT 1 "
    "BEGIN SELECT RAISE(ABORT, 'account totals change only by posting transfers'); END;",
    "CREATE TRIGGER ledger_account_opened BEFORE INSERT ON ledger_account "
    "WHEN NEW.posted_debits <> 0 OR NEW.posted_credits <> 0 OR NEW.pending_debits <> 0 OR NEW.pending_credits <> 0 "
    "BEGIN SELECT RAISE(ABORT, 'an account opens with zero totals'); END;",
]
SQLITE_UNDO = [f"DROP TRIGGER IF EXISTS {name};" for name in (
    "ledger_account_opened", "ledger_account_totals_only_by_transfers", "ledger_hold_released",
    "ledger_transfer_inserted", "ledger_transfer_correction_bound", "ledger_transfer_same_bank",
    "ledger_totals_gate_one_row")] + ["DROP TABLE IF EXISTS ledger_totals_gate;"]


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_set_based_currency_check")]
    operations = [vendor_sql(postgresql=PG, postgresql_undo=PG_UNDO, sqlite=SQLITE, sqlite_undo=SQLITE_UNDO)]
