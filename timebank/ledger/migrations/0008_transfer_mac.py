"""Every transfer carries its keyed fingerprint (`mac`, see timebank/ledger/mac.py), computed by the
application with a key the database never sees. (On SQLite the new column makes the table anew;
the ledger's triggers are saved and created again around it.) Existing rows get theirs here; the transfer guard
allows exactly that one-time fill (an empty `mac` set, nothing else changed) besides a hold
resolving, and migration 0009 then makes an empty `mac` impossible."""
from django.db import migrations, models

from timebank.lib.vendor_sql import sqlite_keep_triggers, vendor_sql

SAVE, RESTORE = sqlite_keep_triggers("ledger_transfer")

_FIELDS = ("id", "bank_id", "debit_id", "credit_id", "amount", "currency", "kind", "hold_id", "corrects_id",
           "subject_type", "subject_id", "actor_id", "memo", "idempotency_key", "expires_at", "created_at")
_NEW = ", ".join(f"NEW.{c}" for c in _FIELDS)
_OLD = ", ".join(f"OLD.{c}" for c in _FIELDS)


def _guard(fill_allowed: bool) -> str:
    fill = ("""
  IF OLD.mac = '' AND NEW.mac <> '' AND NEW.status = OLD.status
     AND NEW.resolved_at IS NOT DISTINCT FROM OLD.resolved_at
     AND (%s) IS NOT DISTINCT FROM (%s) THEN
    RETURN NEW;
  END IF;""" % (_NEW, _OLD)) if fill_allowed else ""
    return r"""
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
     AND (%s) IS NOT DISTINCT FROM (%s) THEN
    RETURN NEW;
  END IF;%s
  RAISE EXCEPTION 'ledger transfers are append-only' USING ERRCODE = 'integrity_constraint_violation';
END $$ LANGUAGE plpgsql;
""" % (_NEW, _OLD, fill)


_SAME = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in _FIELDS)
_RESOLVE = f"(OLD.status = 'pending' AND NEW.status IN ('settled', 'voided', 'expired') AND {_SAME})"
_FILL = (f"(OLD.mac = '' AND NEW.mac <> '' AND NEW.status IS OLD.status AND NEW.resolved_at IS OLD.resolved_at "
         f"AND {_SAME})")


def _sqlite(fill_allowed: bool) -> list[str]:
    allowed = f"{_RESOLVE} OR {_FILL}" if fill_allowed else _RESOLVE
    return ["DROP TRIGGER IF EXISTS ledger_transfer_append_only;",
            "CREATE TRIGGER ledger_transfer_append_only BEFORE UPDATE ON ledger_transfer "
            f"WHEN NOT ({allowed}) BEGIN SELECT RAISE(ABORT, 'ledger transfers are append-only'); END;"]


def fill_macs(apps, schema_editor):
    from timebank.ledger import mac

    Transfer = apps.get_model("ledger", "Transfer")
    last = 0
    while True:
        rows = list(Transfer.objects.filter(mac="", id__gt=last).order_by("id")
                    .values_list("id", *mac.MAC_FIELDS)[:2000])
        if not rows:
            return
        updates = [Transfer(id=row[0], mac=mac.compute(row[1:])) for row in rows]
        Transfer.objects.bulk_update(updates, ["mac"], batch_size=500)
        last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [("ledger", "0007_chain_head_guard")]
    operations = [
        SAVE,  # SQLite makes the table anew for the new column, which drops its triggers
        migrations.AddField(model_name="transfer", name="mac",
                            field=models.CharField(default="", editable=False, max_length=120)),
        RESTORE,
        vendor_sql(postgresql=_guard(True), postgresql_undo=_guard(False), sqlite=_sqlite(True),
                   sqlite_undo=_sqlite(False)),
        migrations.RunPython(fill_macs, migrations.RunPython.noop),
    ]
