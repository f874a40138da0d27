"""Background steps of large roster imports, run by the task worker. Each does nothing if run twice."""
from django_tasks import task

from . import services


@task()
def import_check_task(job_id: int) -> str:
    return services.import_check_run(job_id).status


@task()
def import_commit_task(job_id: int) -> str:
    return services.import_commit_run(job_id).status
