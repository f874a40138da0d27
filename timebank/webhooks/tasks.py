"""Background jobs of the webhooks, run by the task worker (django-tasks, database backend)."""
from django_tasks import task

from . import services


@task()
def deliver_webhooks() -> dict:
    """Send every due delivery once (new ones right after their commit; failed ones on their backoff)."""
    return services.deliver_due()
