"""The task worker's passes over demands: expire, no-shows, auto-confirm, reminders."""
import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.demands.models import DemandRules
from timebank.lib.events import publish
from timebank.notices.models import NoticeKind

from ..events import DEMAND_UNFILLED
from ..exceptions import InvalidTransition
from ..models import Assignment, AssignmentStatus, Demand, DemandStatus
from ._common import _audit, _lock_assignment, _lock_demand, _refresh, _void_holds, demand_notify
from .confirm import assignment_confirm, assignment_credit_retry


def demands_expire(now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Published (or still in review) demands whose start passed with nobody claimed expire and
    the elder's holds are released; partly claimed ones go ahead."""
    now = now or timezone.now()
    due = list(Demand.objects.filter(status__in=[DemandStatus.PUBLISHED, DemandStatus.REVIEW], starts_at__lte=now,
                                     claimed_count=0).order_by("id").values_list("pk", flat=True)[:limit])
    count = 0
    for pk in due:
        with transaction.atomic():
            demand = _lock_demand(pk)
            if demand.status not in (DemandStatus.PUBLISHED, DemandStatus.REVIEW) or demand.claimed_count:
                continue
            _void_holds(demand)
            demand.status, demand.closed_at = DemandStatus.EXPIRED, now
            demand.save(update_fields=["status", "closed_at"])
            _audit(None, "demand.expired", demand, demand)
            demand_notify([demand.created_by], NoticeKind.CANCELLED, demand, str(_("Nobody took it in time.")))
            publish(DEMAND_UNFILLED, demand=demand)
            count += 1
    return count


def assignments_mark_no_show(now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Claims with no check-in by the start plus the bank's grace become no-shows."""
    now = now or timezone.now()
    due = list(Assignment.objects.filter(status=AssignmentStatus.CLAIMED, starts_at__lte=now)
               .order_by("id").values_list("pk", flat=True)[:limit])
    count = 0
    for pk in due:
        with transaction.atomic():
            demand, assignment = _lock_assignment(pk)
            grace = dt.timedelta(minutes=DemandRules.in_force(demand.bank).no_show_grace_minutes)
            if assignment.status != AssignmentStatus.CLAIMED or demand.starts_at + grace > now:
                continue
            assignment.status = AssignmentStatus.NO_SHOW
            assignment.save(update_fields=["status"])
            _refresh(demand)
            _audit(None, "service.no_show", assignment, demand, volunteer=assignment.volunteer_id)
            count += 1
    return count


def assignments_auto_confirm(now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Services left unconfirmed for the bank's number of days confirm themselves; credits the
    ledger refused earlier are tried again."""
    now = now or timezone.now()
    count = 0
    due = list(Assignment.objects.filter(status=AssignmentStatus.DONE, check_out_at__lte=now)
               .select_related("demand__bank").order_by("id")[:limit])
    for assignment in due:
        days = DemandRules.in_force(assignment.demand.bank).auto_confirm_days
        if assignment.check_out_at + dt.timedelta(days=days) > now:
            continue
        try:
            assignment_confirm(actor=None, assignment=assignment, auto=True)
            count += 1
        except InvalidTransition:
            continue
    for assignment in Assignment.objects.filter(status=AssignmentStatus.CONFIRMED).order_by("id")[:limit]:
        assignment_credit_retry(assignment=assignment)
    return count


def reminders_send(now: dt.datetime | None = None, limit: int = 5000) -> int:
    """The day before: remind each volunteer of tomorrow's task, once."""
    now = now or timezone.now()
    due = list(Assignment.objects.filter(status=AssignmentStatus.CLAIMED, reminded_at__isnull=True,
                                         starts_at__gt=now, starts_at__lte=now + dt.timedelta(hours=24))
               .select_related("demand").order_by("id")[:limit])
    count = 0
    for assignment in due:
        with transaction.atomic():
            if Assignment.objects.filter(pk=assignment.pk, reminded_at__isnull=True).update(reminded_at=now):
                demand_notify([assignment.volunteer_id], NoticeKind.REMINDER, assignment.demand)
                count += 1
    return count
