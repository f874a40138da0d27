"""Ledger rules kept by the database itself, so a shell session cannot break them either:
transfers are append-only (a hold may only move from pending to settled/voided/expired), seals
are append-only, both accounts of a transfer hold its currency, and account totals never shrink
except pending totals when a hold is resolved. The CHECK constraints (amount > 0, debit ≠ credit,
no overdraft) are in the model's Meta and exist on both databases."""
from django.db import migrations

from timebank.lib.vendor_sql import vendor_sql

PG = r"""
CREATE OR REPLACE FUNCTION ledger_transfer_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'ledger transfers are never deleted' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF (SELECT currency FROM ledger_account WHERE id = NEW.debit_id) IS DISTINCT FROM NEW.currency
       OR (SELECT currency FROM ledger_account WHERE id = NEW.credit_id) IS DISTINCT FROM NEW.currency THEN
      RAISE EXCEPTION 'both accounts must hold the transfer currency' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF OLD.status = 'pending' AND NEW.status IN ('settled', 'voided', 'expired')
     AND (NEW.id, NEW.bank_id, NEW.debit_id, NEW.credit_id, NEW.amount, NEW.currency, NEW.kind, NEW.hold_id,
          NEW.corrects_id, NEW.subject_type, NEW.subject_id, NEW.actor_id, NEW.memo, NEW.idempotency_key,
          NEW.expires_at, NEW.created_at)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.bank_id, OLD.debit_id, OLD.credit_id, OLD.amount, OLD.currency, OLD.kind, OLD.hold_id,
          OLD.corrects_id, OLD.subject_type, OLD.subject_id, OLD.actor_id, OLD.memo, OLD.idempotency_key,
          OLD.expires_at, OLD.created_at) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'ledger transfers are append-only' USING ERRCODE = 'integrity_constraint_violation';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_transfer_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_transfer
  FOR EACH ROW EXECUTE FUNCTION ledger_transfer_guard();

CREATE OR REPLACE FUNCTION ledger_seal_guard() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'ledger seals are append-only' USING ERRCODE = 'integrity_constraint_violation';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_seal_guard BEFORE UPDATE OR DELETE ON ledger_seal
  FOR EACH ROW EXECUTE FUNCTION ledger_seal_guard();

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
CREATE TRIGGER ledger_account_guard BEFORE UPDATE OR DELETE ON ledger_account
  FOR EACH ROW EXECUTE FUNCTION ledger_account_guard();
"""
PG_UNDO = """
DROP TRIGGER IF EXISTS ledger_transfer_guard ON ledger_transfer; DROP FUNCTION IF EXISTS ledger_transfer_guard();
DROP TRIGGER IF EXISTS ledger_seal_guard ON ledger_seal; DROP FUNCTION IF EXISTS ledger_seal_guard();
DROP TRIGGER IF EXISTS ledger_account_guard ON ledger_account; DROP FUNCTION IF EXISTS ledger_account_guard();
"""

_SAME = " AND ".join(
    f"NEW.{c} IS OLD.{c}" for c in ("id", "bank_id", "debit_id", "credit_id", "amount", "currency", "kind", "hold_id",
                                    "corrects_id", "subject_type", "subject_id", "actor_id", "memo", "idempotency_key",
                                    "expires_at", "created_at"))
SQLITE = [
    "CREATE TRIGGER ledger_transfer_no_delete BEFORE DELETE ON ledger_transfer "
    "WHEN NOT EXISTS (SELECT 1 FROM timebank_purge_allowed) "
    "BEGIN SELECT RAISE(ABORT, 'ledger transfers are never deleted'); END;",
    "CREATE TRIGGER ledger_transfer_append_only BEFORE UPDATE ON ledger_transfer "
    f"WHEN NOT (OLD.status = 'pending' AND NEW.status IN ('settled', 'voided', 'expired') AND {_SAME}) "
    "BEGIN SELECT RAISE(ABORT, 'ledger transfers are append-only'); END;",
    "CREATE TRIGGER ledger_transfer_currency BEFORE INSERT ON ledger_transfer "
    "WHEN (SELECT currency FROM ledger_account WHERE id = NEW.debit_id) IS NOT NEW.currency "
    "OR (SELECT currency FROM ledger_account WHERE id = NEW.credit_id) IS NOT NEW.currency "
    "BEGIN SELECT RAISE(ABORT, 'both accounts must hold the transfer currency'); END;",
    "CREATE TRIGGER ledger_seal_no_update BEFORE UPDATE ON ledger_seal "
    "BEGIN SELECT RAISE(ABORT, 'ledger seals are append-only'); END;",
    "CREATE TRIGGER ledger_seal_no_delete BEFORE DELETE ON ledger_seal "
    "WHEN NOT EXISTS (SELECT 1 FROM timebank_purge_allowed) "
    "BEGIN SELECT RAISE(ABORT, 'ledger seals are append-only'); END;",
    "CREATE TRIGGER ledger_account_no_delete BEFORE DELETE ON ledger_account "
    "WHEN NOT EXISTS (SELECT 1 FROM timebank_purge_allowed) "
    "BEGIN SELECT RAISE(ABORT, 'ledger accounts are never deleted'); END;",
    "CREATE TRIGGER ledger_account_guard BEFORE UPDATE ON ledger_account "
    "WHEN NEW.posted_debits < OLD.posted_debits OR NEW.posted_credits < OLD.posted_credits "
    "OR NEW.bank_id IS NOT OLD.bank_id OR NEW.currency IS NOT OLD.currency OR NEW.kind IS NOT OLD.kind "
    "OR NEW.owner_id IS NOT OLD.owner_id OR NEW.node_id IS NOT OLD.node_id OR NEW.allow_negative IS NOT OLD.allow_negative "
    "BEGIN SELECT RAISE(ABORT, 'posted totals only grow and an account never changes owner or currency'); END;",
]
SQLITE_UNDO = [f"DROP TRIGGER IF EXISTS {name};" for name in (
    "ledger_transfer_no_delete", "ledger_transfer_append_only", "ledger_transfer_currency", "ledger_seal_no_update",
    "ledger_seal_no_delete", "ledger_account_no_delete", "ledger_account_guard")]


class Migration(migrations.Migration):
    # audit 0003 creates `timebank_purge_allowed`, which the SQLite DELETE triggers consult.
    dependencies = [("ledger", "0001_initial"), ("audit", "0003_append_only")]
    operations = [vendor_sql(postgresql=PG, postgresql_undo=PG_UNDO, sqlite=SQLITE, sqlite_undo=SQLITE_UNDO)]
