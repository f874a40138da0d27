"""On PostgreSQL the single-transfer hot path runs as one function call: lock both accounts in
ascending id order, replay an idempotency key, check the available balance, insert the transfer
and add to both totals — three round trips per transfer (BEGIN, SELECT, COMMIT) instead of five.
`ledger.services.transfer_post` calls it; on SQLite the same steps run in Python."""
from django.db import migrations

from timebank.lib.vendor_sql import vendor_sql

PG = r"""
CREATE OR REPLACE FUNCTION ledger_post(
  p_bank bigint, p_debit bigint, p_credit bigint, p_amount bigint, p_currency varchar, p_kind varchar,
  p_actor bigint, p_memo varchar, p_subject_type varchar, p_subject_id varchar, p_key varchar,
  p_corrects bigint, p_created_at timestamptz)
RETURNS TABLE (transfer_id bigint, replayed boolean, available bigint) AS $$
DECLARE
  d ledger_account%ROWTYPE;
  prior ledger_transfer%ROWTYPE;
  new_id bigint;
BEGIN
  PERFORM 1 FROM ledger_account WHERE id IN (p_debit, p_credit) ORDER BY id FOR UPDATE;
  IF p_key IS NOT NULL THEN
    SELECT * INTO prior FROM ledger_transfer WHERE bank_id = p_bank AND idempotency_key = p_key;
    IF FOUND THEN
      IF prior.debit_id <> p_debit OR prior.credit_id <> p_credit OR prior.amount <> p_amount OR prior.kind <> p_kind THEN
        RAISE EXCEPTION 'idempotency key reused for a different transfer' USING ERRCODE = 'unique_violation';
      END IF;
      RETURN QUERY SELECT prior.id, true, NULL::bigint;
      RETURN;
    END IF;
  END IF;
  SELECT * INTO d FROM ledger_account WHERE id = p_debit;
  IF NOT d.allow_negative AND d.posted_credits - d.posted_debits - d.pending_debits < p_amount THEN
    RETURN QUERY SELECT NULL::bigint, false, d.posted_credits - d.posted_debits - d.pending_debits;
    RETURN;
  END IF;
  INSERT INTO ledger_transfer (bank_id, debit_id, credit_id, amount, currency, kind, status, actor_id, memo,
                               subject_type, subject_id, idempotency_key, corrects_id, created_at)
  VALUES (p_bank, p_debit, p_credit, p_amount, p_currency, p_kind, 'posted', p_actor, p_memo,
          p_subject_type, p_subject_id, p_key, p_corrects, p_created_at)
  RETURNING id INTO new_id;
  UPDATE ledger_account SET posted_debits = posted_debits + p_amount WHERE id = p_debit;
  UPDATE ledger_account SET posted_credits = posted_credits + p_amount WHERE id = p_credit;
  RETURN QUERY SELECT new_id, false, NULL::bigint;
END $$ LANGUAGE plpgsql;
"""
PG_UNDO = "DROP FUNCTION IF EXISTS ledger_post(bigint, bigint, bigint, bigint, varchar, varchar, bigint, varchar, " \
          "varchar, varchar, varchar, bigint, timestamptz);"


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_database_rules")]
    operations = [vendor_sql(postgresql=PG, postgresql_undo=PG_UNDO)]
