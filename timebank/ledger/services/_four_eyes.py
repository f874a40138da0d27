"""The second admin's decision on a waiting grant or correction request, shared by both flows."""
from collections.abc import Callable

from django.utils import timezone

from timebank.people.models import Person

from ..exceptions import AlreadyDecided, ApprovalRequired
from ..models import CorrectionRequest, GrantRequest, Transfer


def four_eyes_decide(request: GrantRequest | CorrectionRequest, *, actor: Person, approve: bool,
                     execute: Callable[..., Transfer], already_decided: str) -> None:
    """`request` is the locked, freshly read row the actor may decide. Refuse a second decision and
    the requester's own; on approval `execute` posts it, otherwise the rejection is recorded."""
    if request.approved is not None:
        raise AlreadyDecided(already_decided)
    if request.requested_by_id == actor.pk:
        raise ApprovalRequired()
    if approve:
        execute(request, approver=actor)
    else:
        request.approved, request.decided_by, request.decided_at = False, actor, timezone.now()
        request.save(update_fields=["approved", "decided_by", "decided_at"])
