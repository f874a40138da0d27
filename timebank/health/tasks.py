"""Background jobs of health monitoring, run by the task worker (django-tasks). Each is safe to run twice."""
from django_tasks import task

from . import services


@task()
def alert_notify(alert_id: int, person_ids: list[int]) -> int:
    return services.alert_notices_deliver(alert_id, person_ids)


@task()
def alerts_notify(work: list[list]) -> int:
    """[[alert_id, [person_id, …]], …]: the new alerts of one uploaded batch."""
    return sum(services.alert_notices_deliver(alert_id, person_ids) for alert_id, person_ids in work)


@task()
def escalate_alerts() -> int:
    return services.alerts_escalate()
