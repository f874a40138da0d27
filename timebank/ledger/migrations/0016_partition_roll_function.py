"""The monthly roll function again (CREATE OR REPLACE): it no longer waits more than 200 ms for the table's
lock to make next month's partition (the ids move on regardless), puts pg_temp last in its search path,
and may be run only by the owner and the roles it is granted to (timebank/lib/partitions.py)."""
from django.db import migrations

from timebank.lib import partitions


def forward(apps, schema_editor):
    if partitions.is_partitioned("ledger_transfer", connection=schema_editor.connection):
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(partitions.ROLL_FUNCTION)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0015_transfer_fewer_indexes"), ("health", "0005_partition_readings")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=False)]
