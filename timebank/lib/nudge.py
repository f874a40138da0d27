"""Waking the worker after a commit, for work whose rows are already written (an outbox)."""
import logging
from importlib import import_module

from django.db import transaction

logger = logging.getLogger(__name__)


def nudge_on_commit(task_path: str) -> None:
    """Enqueue the task named by its dotted path once the current transaction commits. If the
    enqueue fails (the queue's database hiccups), nothing is lost: the rows are committed and the
    task's periodic sweep (settings.HOUSEKEEPING_TASKS) picks them up."""

    def nudge() -> None:
        module, name = task_path.rsplit(".", 1)
        try:
            getattr(import_module(module), name).enqueue()
        except Exception:  # noqa: BLE001 - see above: the periodic sweep does the work anyway
            logger.exception("could not enqueue %s; its periodic sweep will do the work", task_path)

    transaction.on_commit(nudge)
