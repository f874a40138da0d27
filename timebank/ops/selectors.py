"""Is the background keeping up? One reading, used by `/readyz` and the staff banner."""
import datetime as dt

from django.conf import settings
from django.db.models import Max, Min
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from timebank.ledger.models import Transfer, TransferStatus

from .models import Heartbeat, ProcessKind


def _age(now: dt.datetime, moment: dt.datetime | None) -> float | None:
    return None if moment is None else round((now - moment).total_seconds(), 1)


def background_state(now: dt.datetime | None = None) -> dict:
    """Ages in seconds (None: nothing there) and the reasons the background is behind, if any."""
    now = now or timezone.now()
    beats = Heartbeat.objects.values("kind").annotate(last=Max("beat_at"))
    last = {row["kind"]: row["last"] for row in beats}
    oldest_task = DBTaskResult.objects.ready().aggregate(m=Min("enqueued_at"))["m"]
    oldest_unsealed = (Transfer.objects.filter(status=TransferStatus.POSTED, seal__isnull=True)
                       .aggregate(m=Min("created_at"))["m"])
    state = {
        "worker_beat_age_s": _age(now, last.get(ProcessKind.WORKER)),
        "housekeeping_beat_age_s": _age(now, last.get(ProcessKind.HOUSEKEEPING)),
        "oldest_ready_task_age_s": _age(now, oldest_task),
        "oldest_unsealed_transfer_age_s": _age(now, oldest_unsealed),
    }
    limits = {
        "worker_silent": ("worker_beat_age_s", settings.OPS_WORKER_SILENT_SECONDS, True),
        "housekeeping_silent": ("housekeeping_beat_age_s", settings.OPS_HOUSEKEEPING_SILENT_SECONDS, True),
        "tasks_waiting": ("oldest_ready_task_age_s", settings.OPS_TASK_WAIT_SECONDS, False),
        "ledger_unsealed": ("oldest_unsealed_transfer_age_s", settings.OPS_UNSEALED_SECONDS, False),
    }
    # A process that never beat counts as silent; an empty queue or a sealed ledger is fine.
    state["behind"] = [reason for reason, (key, limit, missing_is_bad) in limits.items()
                       if (state[key] is None and missing_is_bad) or (state[key] is not None and state[key] > limit)]
    return state
