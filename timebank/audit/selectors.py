"""Reading the audit trail, only for events at nodes inside the actor's audit reach."""
import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from timebank.lib.mobile import normalise_mobile
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import scope_q

from .models import AuditEvent


def audit_events_visible_to(actor) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(scope_q(actor, Perm.AUDIT_VIEW, "node__path")).select_related("actor", "node")


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_search(actor, *, action: str = "", actor_query: str = "", object_type: str = "", object_id: str = "",
                 date_from: dt.date | None = None, date_to: dt.date | None = None) -> QuerySet[AuditEvent]:
    """Newest first. `action` matches a code or its prefix (`person.`); `actor_query` a name or mobile;
    the dates are whole local days, both included."""
    events = audit_events_visible_to(actor)
    if action:
        events = events.filter(action__startswith=action.strip())
    if actor_query:
        actor_query = actor_query.strip()
        number = normalise_mobile(actor_query)
        q = Q(actor__name__icontains=actor_query)
        if number.isdigit():
            q |= Q(actor__mobile=number) if len(number) == 11 else Q(actor__mobile__endswith=number)
        events = events.filter(q)
    if object_type:
        events = events.filter(object_type=object_type.strip())
    if object_id:
        events = events.filter(object_id=object_id.strip())
    if date_from:
        events = events.filter(at__gte=_start_of(date_from))
    if date_to:
        events = events.filter(at__lt=_start_of(date_to + dt.timedelta(days=1)))
    return events.order_by("-at", "-id")
