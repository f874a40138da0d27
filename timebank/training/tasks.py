"""Background jobs of training, run by the task worker. Each is safe to run twice."""
from django_tasks import task

from . import services


@task()
def remind_expiring_certificates() -> int:
    return services.certificates_remind()
