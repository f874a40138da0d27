"""On PostgreSQL, ledger transfers become a table partitioned by month (see timebank/lib/partitions.py):
the rows so far stay where they are, as the partition `ledger_transfer_p0`; the triggers, indexes and
foreign keys are made again on the partitioned table under their names. Nothing changes on SQLite."""
from django.db import migrations

from timebank.lib import partitions


def forward(apps, schema_editor):
    partitions.partition_table(schema_editor, "ledger_transfer")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        raise RuntimeError("ledger_transfer stays partitioned: restore a backup taken before migration 0014")


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("ledger", "0013_keys")]
    operations = [migrations.RunPython(forward, backward, elidable=False)]
