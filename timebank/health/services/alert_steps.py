"""An alert's workflow: acknowledge, follow up, close, and escalation of urgent alerts nobody acknowledged."""
import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.lib.errors import InvalidInput, NotFound
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

from .. import selectors
from ..exceptions import AlertAlreadyDone, AlertTransitionInvalid
from ..models import Alert, AlertStatus, Outcome, Severity
from .alerts import _notify


def _alert_for_update(actor, alert: Alert) -> Alert:
    alert = Alert.objects.select_for_update(of=("self",)).select_related("station", "elder").filter(pk=alert.pk).first()
    if alert is None or not has_perm(actor, Perm.HEALTH_MANAGE, alert.station):
        raise NotFound()
    return alert


STEP_ORDER = [AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED, AlertStatus.FOLLOWED_UP, AlertStatus.CLOSED]


def _step_check(alert: Alert, step: str) -> None:
    """`step` is the status the action leads to. Already there or past it: AlertAlreadyDone (one effect,
    however often the button is pressed); more than one step ahead: AlertTransitionInvalid."""
    have, want = STEP_ORDER.index(alert.status), STEP_ORDER.index(step)
    if have == want - 1:
        return
    if have < want - 1:
        raise AlertTransitionInvalid(detail={"status": alert.status})
    by, at = {AlertStatus.ACKNOWLEDGED: (alert.acknowledged_by, alert.acknowledged_at),
              AlertStatus.FOLLOWED_UP: (alert.followed_up_by, alert.followed_up_at),
              AlertStatus.CLOSED: (alert.closed_by, alert.closed_at)}[step]
    words = {AlertStatus.ACKNOWLEDGED: gettext("This alert was already acknowledged by %(name)s at %(time)s. "
                                               "Nothing was changed."),
             AlertStatus.FOLLOWED_UP: gettext("The follow-up of this alert was already recorded by %(name)s at "
                                              "%(time)s. Nothing was changed."),
             AlertStatus.CLOSED: gettext("This alert was already closed by %(name)s at %(time)s. "
                                         "Nothing was changed.")}[step]
    when = timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else "—"
    raise AlertAlreadyDone(words % {"name": by.name if by else "—", "time": when},
                           detail={"status": alert.status, "by": by.pk if by else None,
                                   "at": at.isoformat() if at else None})


def alert_acknowledge(*, actor, alert: Alert) -> Alert:
    with transaction.atomic():
        alert = _alert_for_update(actor, alert)
        _step_check(alert, AlertStatus.ACKNOWLEDGED)
        alert.status, alert.acknowledged_at, alert.acknowledged_by = AlertStatus.ACKNOWLEDGED, timezone.now(), actor
        alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
        audit_record(actor=actor, action="health.alert_acknowledged", obj=alert, node=alert.station)
    return alert


def alert_follow_up(*, actor, alert: Alert, outcome: str, note: str = "") -> Alert:
    if outcome not in Outcome.values:
        raise InvalidInput(_("Choose what was done: phoned, visited, referred or no answer."), code="outcome_invalid")
    note = (note or "").strip()[:2000]
    with transaction.atomic():
        alert = _alert_for_update(actor, alert)
        _step_check(alert, AlertStatus.FOLLOWED_UP)
        alert.status, alert.followed_up_at, alert.followed_up_by = AlertStatus.FOLLOWED_UP, timezone.now(), actor
        alert.outcome, alert.note = outcome, note
        alert.save(update_fields=["status", "followed_up_at", "followed_up_by", "outcome", "note"])
        audit_record(actor=actor, action="health.alert_followed_up", obj=alert, node=alert.station,
                     changes={"outcome": outcome})
    return alert


def alert_close(*, actor, alert: Alert, note: str = "") -> Alert:
    note = (note or "").strip()
    with transaction.atomic():
        alert = _alert_for_update(actor, alert)
        _step_check(alert, AlertStatus.CLOSED)
        alert.status, alert.closed_at, alert.closed_by = AlertStatus.CLOSED, timezone.now(), actor
        if note:
            alert.note = (f"{alert.note}\n{note}" if alert.note else note)[:2000]
        alert.save(update_fields=["status", "closed_at", "closed_by", "note"])
        audit_record(actor=actor, action="health.alert_closed", obj=alert, node=alert.station)
    return alert


def alerts_escalate(now: dt.datetime | None = None) -> int:
    """Urgent alerts nobody acknowledged in time move to the next node up (station → branch → bank),
    and the medical staff granted at that node are told again. Safe to run twice: an alert escalated at `now` waits
    another full period before the next step."""
    now = now or timezone.now()
    escalated = 0
    candidates = (Alert.objects.filter(status=AlertStatus.OPEN, severity=Severity.URGENT)
                  .exclude(level_node__kind=NodeKind.BANK).values_list("pk", flat=True).order_by("pk"))
    for pk in list(candidates):
        with transaction.atomic():
            alert = (Alert.objects.select_for_update(of=("self",)).select_related("level_node", "bank", "elder")
                     .filter(pk=pk, status=AlertStatus.OPEN).first())
            if alert is None or alert.level_node.kind == NodeKind.BANK or alert.level_node.parent_id is None:
                continue
            window = dt.timedelta(minutes=selectors.thresholds_for(alert.bank, alert.elder, now).escalate_after_minutes)
            if (alert.escalated_at or alert.opened_at) + window > now:
                continue
            alert.level_node = Node.objects.get(pk=alert.level_node.parent_id)
            alert.escalations += 1
            alert.escalated_at = now
            alert.save(update_fields=["level_node", "escalations", "escalated_at"])
            audit_record(actor=None, action="health.alert_escalated", obj=alert, node=alert.level_node,
                         bank=alert.bank, changes={"to": alert.level_node.pk, "step": alert.escalations})
            # Everyone covering the station heard at first; now the ones in charge one level up are told again.
            _notify(alert, selectors.medical_staff_at(alert.level_node))
            escalated += 1
    return escalated
