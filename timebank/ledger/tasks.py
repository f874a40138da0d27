"""Background jobs of the ledger, run by the task worker (django-tasks, database backend)."""
from django.utils import timezone
from django_tasks import task

from . import chain, services

VERIFY_HOUR = 3  # Asia/Shanghai: after the 02:00 statistics reconcile


@task()
def seal_ledgers() -> int:
    """Seal newly posted transfers into each bank's hash chain."""
    return chain.seal_all()


@task()
def expire_holds() -> int:
    """Release holds whose time ran out."""
    return services.holds_expire()


@task()
def verify_nightly() -> int:
    """Once a night (the first housekeeping round after 03:00 Shanghai time): check every bank's
    ledger in full — totals against transfers, the hash chain, sealed transfers still posted — and
    tell the bank's admins (inbox and SMS) when it fails. Returns the number of failing banks."""
    now = timezone.localtime()
    if now.hour != VERIFY_HOUR or services.ledger_verified_recently(now):
        return 0
    return sum(1 for report in services.ledger_verify_all() if not report.ok)
