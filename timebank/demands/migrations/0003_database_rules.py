"""On PostgreSQL the database itself refuses two live claims of one volunteer whose times overlap
(an exclusion constraint), and a claim count that disagrees with the headcount (the CHECK in the
model). The services check both under row locks first; these are the last line of defence."""
from django.db import migrations

PG = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE demands_assignment ADD CONSTRAINT demands_no_overlapping_claims
  EXCLUDE USING gist (volunteer_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
  WHERE (status IN ('claimed', 'checked_in'));
"""
PG_UNDO = "ALTER TABLE demands_assignment DROP CONSTRAINT IF EXISTS demands_no_overlapping_claims;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UNDO)


class Migration(migrations.Migration):
    dependencies = [("demands", "0002_seed_service_types")]
    operations = [migrations.RunPython(forward, backward)]
