"""Background jobs of the ledger, run by the task worker (django-tasks, database backend)."""
from django_tasks import task

from . import chain, services


@task()
def seal_ledgers() -> int:
    """Seal newly posted transfers into each bank's hash chain."""
    return chain.seal_all()


@task()
def expire_holds() -> int:
    """Release holds whose time ran out."""
    return services.holds_expire()
