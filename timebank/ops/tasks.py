"""Background jobs of operations, run by the task worker (django-tasks, database backend)."""
from django.utils import timezone
from django_tasks import task

from timebank.lib import partitions


@task()
def roll_partitions() -> int:
    """This month's and next month's partitions of the monthly partitioned tables, and ids from
    this month's block once it has begun (PostgreSQL; nothing on SQLite). Returns partitions made."""
    return sum(partitions.roll(timezone.now()).values())
