"""Background jobs of demands, run by the task worker (django-tasks). Each is safe to run twice."""
from django_tasks import task

from . import services


@task()
def expire_demands() -> int:
    return services.demands_expire()


@task()
def mark_no_shows() -> int:
    return services.assignments_mark_no_show()


@task()
def auto_confirm() -> int:
    return services.assignments_auto_confirm()


@task()
def generate_series() -> int:
    return services.series_generate_all()


@task()
def send_reminders() -> int:
    return services.reminders_send()


@task()
def announce_new_demands() -> int:
    return services.demands_announce()
