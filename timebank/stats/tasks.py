"""Background jobs of the statistics, run by the task worker (django-tasks). Each is safe to run twice."""
import datetime as dt

from django.utils import timezone
from django_tasks import task

from . import services


@task()
def recompute_node_days(keys: list[list], volunteers: list[list] | None = None) -> int:
    """Recompute the node-days a committed service event touched ([[node id, "YYYY-MM-DD"], ...]) and
    the activity of the volunteers it concerned ([[person id, "YYYY-MM-DD"], ...])."""
    return services.node_days_recompute([(int(node_id), dt.date.fromisoformat(day)) for node_id, day in keys],
                                        [(int(pid), dt.date.fromisoformat(day)) for pid, day in volunteers or []])


@task()
def recompute_volunteer_activity(person_id: int, node_ids: list[int]) -> int:
    """Recompute these stations' activity over the span of one person's services (after they moved
    station or became a volunteer)."""
    return services.volunteer_activity_recompute(person_id=int(person_id), node_ids=[int(n) for n in node_ids])


@task()
def roll_up_transfers() -> int:
    """Add newly posted transfers to the rollups (past each bank's watermark)."""
    return services.transfers_roll_up()


@task()
def reconcile_nightly() -> int:
    """Once a night (the first housekeeping round after 02:00 Shanghai time): recompute the last
    three days of every bank from the raw rows, report and fix any difference."""
    now = timezone.localtime()
    if now.hour != 2 or services.reconciled_recently(now):
        return 0
    return sum(len(r.differences) for r in services.rollups_reconcile_all(days=3))
