"""Background jobs of health monitoring, run by the task worker (django-tasks). Each is safe to run twice."""
from django_tasks import task

from . import services


@task()
def escalate_alerts() -> int:
    return services.alerts_escalate()
