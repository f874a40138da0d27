"""(device, sequence) stores once, kept by a table of its own, `health_readingkey`, instead of a unique
index on the readings: on PostgreSQL the readings become a table partitioned by month (migration 0005),
and a partitioned table's unique index must contain the partition key. A trigger writes the pair as a
device's reading is inserted and skips the reading (it stores nothing, no error) when the pair is
already there: the ingest's INSERT … ON CONFLICT DO NOTHING RETURNING keeps telling stored from
duplicate, also between concurrent uploads. The pairs already stored are copied in first."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from timebank.lib.vendor_sql import vendor_sql

FILL = ("INSERT INTO health_readingkey (device_id, sequence) SELECT device_id, sequence FROM health_reading "
        "WHERE device_id IS NOT NULL AND sequence IS NOT NULL")

PG = FILL + r""";
CREATE OR REPLACE FUNCTION health_reading_key() RETURNS trigger
  SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF NEW.device_id IS NULL OR NEW.sequence IS NULL THEN
    RETURN NEW;
  END IF;
  INSERT INTO health_readingkey (device_id, sequence) VALUES (NEW.device_id, NEW.sequence)
    ON CONFLICT (device_id, sequence) DO NOTHING;
  IF FOUND THEN
    RETURN NEW;
  END IF;
  RETURN NULL;  -- stored before: store nothing
END $$ LANGUAGE plpgsql;
CREATE TRIGGER health_reading_key BEFORE INSERT ON health_reading
  FOR EACH ROW EXECUTE FUNCTION health_reading_key();
"""
PG_UNDO = "DROP TRIGGER IF EXISTS health_reading_key ON health_reading; DROP FUNCTION IF EXISTS health_reading_key();"

SQLITE = [
    FILL,
    "CREATE TRIGGER health_reading_key BEFORE INSERT ON health_reading "
    "WHEN NEW.device_id IS NOT NULL AND NEW.sequence IS NOT NULL "
    "BEGIN SELECT RAISE(IGNORE) WHERE EXISTS (SELECT 1 FROM health_readingkey WHERE device_id = NEW.device_id "
    "AND sequence = NEW.sequence); "
    "INSERT INTO health_readingkey (device_id, sequence) VALUES (NEW.device_id, NEW.sequence); END;",
]
SQLITE_UNDO = ["DROP TRIGGER IF EXISTS health_reading_key;", "DELETE FROM health_readingkey;"]


class Migration(migrations.Migration):

    dependencies = [
        ('health', '0003_reading_fewer_indexes'),
        ('orgs', '0007_node_phone_hours'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ReadingKey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sequence', models.BigIntegerField()),
            ],
        ),
        migrations.RemoveConstraint(
            model_name='reading',
            name='health_reading_device_sequence',
        ),
        migrations.AddIndex(
            model_name='reading',
            index=models.Index(condition=models.Q(('device__isnull', False)), fields=['device', 'sequence'], name='health_reading_device_seq'),
        ),
        migrations.AddField(
            model_name='readingkey',
            name='device',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='health.device'),
        ),
        migrations.AddConstraint(
            model_name='readingkey',
            constraint=models.UniqueConstraint(fields=('device', 'sequence'), name='health_reading_device_sequence'),
        ),
        vendor_sql(postgresql=PG, postgresql_undo=PG_UNDO, sqlite=SQLITE, sqlite_undo=SQLITE_UNDO),
    ]
