"""An idempotency key is kept unique by a table of its own, `ledger_transferkey`, instead of a unique
index on the transfers: on PostgreSQL the transfers become a table partitioned by month (migration
0014), and a partitioned table's unique index must contain the partition key. A trigger on the
transfers writes the key as a row is inserted and skips the row (it stores nothing, no error) when
the key is already there, exactly what INSERT … ON CONFLICT (bank_id, idempotency_key) DO NOTHING did:
on PostgreSQL a concurrent insert of the same key waits for the first and is then skipped.
The keys of the transfers already stored are copied in first."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from timebank.lib.vendor_sql import sqlite_keep_triggers, vendor_sql

SAVE, RESTORE = sqlite_keep_triggers("ledger_transfer")

FILL = ("INSERT INTO ledger_transferkey (bank_id, idempotency_key) SELECT bank_id, idempotency_key "
        "FROM ledger_transfer WHERE idempotency_key IS NOT NULL")

PG = FILL + r""";
CREATE OR REPLACE FUNCTION ledger_transfer_key() RETURNS trigger
  SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF NEW.idempotency_key IS NULL THEN
    RETURN NEW;
  END IF;
  INSERT INTO ledger_transferkey (bank_id, idempotency_key) VALUES (NEW.bank_id, NEW.idempotency_key)
    ON CONFLICT (bank_id, idempotency_key) DO NOTHING;
  IF FOUND THEN
    RETURN NEW;
  END IF;
  RETURN NULL;  -- the key was used: store nothing
END $$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_transfer_key BEFORE INSERT ON ledger_transfer
  FOR EACH ROW EXECUTE FUNCTION ledger_transfer_key();
"""
PG_UNDO = "DROP TRIGGER IF EXISTS ledger_transfer_key ON ledger_transfer; DROP FUNCTION IF EXISTS ledger_transfer_key();"

SQLITE = [
    FILL,
    "CREATE TRIGGER ledger_transfer_key BEFORE INSERT ON ledger_transfer WHEN NEW.idempotency_key IS NOT NULL "
    "BEGIN SELECT RAISE(IGNORE) WHERE EXISTS (SELECT 1 FROM ledger_transferkey WHERE bank_id = NEW.bank_id "
    "AND idempotency_key = NEW.idempotency_key); "
    "INSERT INTO ledger_transferkey (bank_id, idempotency_key) VALUES (NEW.bank_id, NEW.idempotency_key); END;",
]
SQLITE_UNDO = ["DROP TRIGGER IF EXISTS ledger_transfer_key;", "DELETE FROM ledger_transferkey;"]


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0012_ledgerrules_redeem_across_banks'),
        ('orgs', '0007_node_phone_hours'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='TransferKey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('idempotency_key', models.CharField(max_length=128)),
            ],
        ),
        SAVE,
        migrations.RemoveConstraint(
            model_name='transfer',
            name='ledger_transfer_idempotency',
        ),
        RESTORE,
        migrations.AddIndex(
            model_name='transfer',
            index=models.Index(fields=['bank', 'idempotency_key'], name='ledger_transfer_key_lookup'),
        ),
        migrations.AddField(
            model_name='transferkey',
            name='bank',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.node'),
        ),
        migrations.AddConstraint(
            model_name='transferkey',
            constraint=models.UniqueConstraint(fields=('bank', 'idempotency_key'), name='ledger_transfer_idempotency'),
        ),
        vendor_sql(postgresql=PG, postgresql_undo=PG_UNDO, sqlite=SQLITE, sqlite_undo=SQLITE_UNDO),
    ]
