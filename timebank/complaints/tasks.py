"""Background jobs of complaints, run by the task worker. Each is safe to run twice."""
from django_tasks import task

from . import services


@task()
def escalate_complaints() -> int:
    """Open complaints past their step's deadline move to the next node up."""
    return services.complaints_escalate()
