"""Health readings are partitioned by month on PostgreSQL (timebank/lib/partitions.py): a device's
(device, sequence) still stores once across months and between concurrent uploads."""
import datetime as dt

from django.db import connection
from django.utils import timezone

from timebank.conftest import run_threads
from timebank.health import services as health
from timebank.health.models import Reading, ReadingKey
from timebank.lib import partitions

from .conftest import bp

TZ = partitions.LOCAL


def _partition_of(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM health_reading WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_readings_store_once_across_months(postgres_only, health_world):
    w = health_world
    batch = [bp(1), bp(2)]
    assert [r["status"] for r in health.readings_ingest(device=w.device, items=batch)] == ["stored"] * 2
    base = max(partitions.month_of(timezone.now()), partitions.current_month_of_ids("health_reading"))
    month = partitions.add_months(base, 2)
    partitions.roll(dt.datetime(month // 100, month % 100, 1, 0, 0, 5, tzinfo=TZ))
    again = health.readings_ingest(device=w.device, items=[*batch, bp(3)])
    assert [r["status"] for r in again] == ["duplicate", "duplicate", "stored"]
    assert again[2]["id"] // partitions.BLOCK == month
    assert _partition_of(again[2]["id"]) == f"health_reading_p{month}"
    assert Reading.objects.filter(device=w.device).count() == 3
    assert ReadingKey.objects.filter(device=w.device).count() == 3


def test_concurrent_uploads_of_one_batch_store_it_once(postgres_only, health_world):
    w = health_world
    batch = [bp(seq) for seq in range(100, 140)]
    results = run_threads(6, lambda i: health.readings_ingest(device=w.device, items=batch))
    stored = sum(1 for result in results for item in result if item["status"] == "stored")
    assert stored == 40
    assert Reading.objects.filter(device=w.device, sequence__gte=100).count() == 40
