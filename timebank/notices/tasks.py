"""Background job of notices, run by the task worker: send the short messages waiting in the outbox."""
from django_tasks import task

from . import services


@task()
def dispatch_sms() -> int:
    return services.sms_dispatch()


@task()
def dispatch_push() -> int:
    return services.push_dispatch()
