"""On PostgreSQL, health readings become a table partitioned by month (see timebank/lib/partitions.py):
the readings so far stay where they are, as the partition `health_reading_p0`; indexes, the key trigger
and foreign keys (alerts point at readings) are made again on the partitioned table. Nothing changes
on SQLite."""
from django.db import migrations

from timebank.lib import partitions


def forward(apps, schema_editor):
    partitions.partition_table(schema_editor, "health_reading")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        raise RuntimeError("health_reading stays partitioned: restore a backup taken before migration 0005")


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("health", "0004_keys")]
    operations = [migrations.RunPython(forward, backward, elidable=False)]
