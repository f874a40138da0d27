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


@task()
def deliver_federation_messages() -> dict:
    """Send the messages to other deployments that are due (new ones right after their commit, unanswered
    ones on their backoff)."""
    from . import federation

    return federation.federation_deliver()


@task()
def reconcile_federation_daily() -> int:
    """Once a day per partner platform, compare both sides' clearing (from 02:00 Shanghai time)."""
    from . import federation

    return len(federation.federation_reconcile_due())
