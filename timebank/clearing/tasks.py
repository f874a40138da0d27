"""Background job of the clearing between banks, run by the task worker."""
from django.utils import timezone
from django_tasks import task

from . import services

NETTING_HOUR = 1  # Asia/Shanghai: yesterday is settled in the first housekeeping round from 01:00 on


@task()
def settle_yesterday() -> int:
    """Settle yesterday between the banks of every platform that has not (once per day: the unique
    constraint on the run refuses a second). Returns how many runs it made."""
    if timezone.localtime().hour < NETTING_HOUR:
        return 0
    return len(services.netting_run_due())
