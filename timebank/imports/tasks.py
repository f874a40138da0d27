"""Background steps of large roster imports, run by the task worker. Each does nothing if run twice.
They have a queue of their own ("imports", its own `db_worker --queue-name imports`): a big roster never holds
up the periodic jobs (sealing the ledger, reminders, expiring holds) on the default queue."""
from django_tasks import task

from . import services


@task(queue_name="imports")
def import_check_task(job_id: int) -> str:
    return services.import_check_run(job_id).status


@task(queue_name="imports")
def import_commit_task(job_id: int) -> str:
    return services.import_commit_run(job_id).status
