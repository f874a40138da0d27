"""On PostgreSQL, the (bank, day) indexes of the rollups also carry the columns the bank's dashboard
sums over all days, so those sums are index-only scans. SQLite has no covering indexes: it keeps
the plain ones."""
from django.db import migrations

COVERING = {
    "stats_rollup_bank_day": ("stats_nodedayrollup",
                              "node_id, elders_new, volunteers_new, members_in, members_out, services, served_minutes"),
    "stats_type_rollup_bank_day": ("stats_nodedayservicerollup", "service_type_id, services, served_minutes"),
}


def make_covering(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, columns) in COVERING.items():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(f"CREATE INDEX {name} ON {table} (bank_id, day) INCLUDE ({columns})")


def make_plain(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, _columns) in COVERING.items():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(f"CREATE INDEX {name} ON {table} (bank_id, day)")


class Migration(migrations.Migration):
    dependencies = [("stats", "0001_daily_rollups")]
    operations = [migrations.RunPython(make_covering, make_plain)]
