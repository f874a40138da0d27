"""Background job of the audit app, run by the task worker: forget rate-limit windows long past."""
from django_tasks import task

from .rate_limit import rate_buckets_purge


@task()
def purge_rate_buckets() -> int:
    return rate_buckets_purge()
