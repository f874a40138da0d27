"""The limits readings are classified against: the bank's own, or one elder's with a reason."""
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record, diff
from timebank.lib.errors import InvalidInput, NotFound
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.models import Person

from .. import selectors
from ..exceptions import ThresholdsInvalid
from ..models import Thresholds
from .readings import FUTURE_SKEW

THRESHOLD_FIELDS = (
    "bp_systolic_high", "bp_diastolic_high", "bp_systolic_urgent", "bp_diastolic_urgent", "glucose_fasting_high",
    "glucose_after_meal_high", "glucose_low", "glucose_urgent_low", "heart_rate_low", "heart_rate_high",
    "heart_rate_urgent_low", "heart_rate_urgent_high", "sustained_high_count", "sustained_last", "sustained_days",
    "escalate_after_minutes",
)


def _consistent(t: Thresholds) -> bool:
    return (t.bp_systolic_high < t.bp_systolic_urgent and t.bp_diastolic_high < t.bp_diastolic_urgent
            and t.glucose_urgent_low < t.glucose_low < t.glucose_fasting_high <= t.glucose_after_meal_high
            and t.heart_rate_urgent_low < t.heart_rate_low < t.heart_rate_high < t.heart_rate_urgent_high
            and 1 <= t.sustained_high_count <= t.sustained_last <= 20 and 1 <= t.sustained_days <= 365
            and 1 <= t.escalate_after_minutes <= 7 * 24 * 60)


def thresholds_set(*, actor, bank: Node, elder: Person | None = None, reason: str = "",
                   effective_from: dt.datetime | None = None, **values) -> Thresholds:
    """New limits for the bank (its medical lead: medical staff at the bank node) or for one elder
    (medical staff of the elder's subtree, with a reason), from `effective_from` on."""
    unknown = set(values) - set(THRESHOLD_FIELDS)
    if unknown:
        raise InvalidInput(detail={"fields": sorted(unknown)})
    reason = (reason or "").strip()[:200]
    now = timezone.now()
    if effective_from is not None and (timezone.is_naive(effective_from) or effective_from < now - FUTURE_SKEW):
        # Limits are never backdated: readings already classified keep the class they were given.
        raise InvalidInput(_("New limits can start now or later, not in the past."), code="effective_from_past")
    with transaction.atomic():
        if elder is not None:
            elder = Person.objects.select_related("node").get(pk=elder.pk)
            if elder.node is None or elder.bank_id != bank.pk or not has_perm(actor, Perm.HEALTH_MANAGE, elder.node):
                raise NotFound()
            if not reason:
                raise InvalidInput(_("Say why this elder needs their own limits."), code="reason_required")
        elif bank.kind != NodeKind.BANK or not has_perm(actor, Perm.HEALTH_MANAGE, bank):
            raise NotFound()
        current = selectors.thresholds_for(bank, elder)
        new = Thresholds(bank=bank, elder=elder, reason=reason, created_by=actor,
                         effective_from=effective_from or now)
        for name in THRESHOLD_FIELDS:
            value = values.get(name, getattr(current, name))
            if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 100_000:
                raise ThresholdsInvalid(detail={"field": name})
            setattr(new, name, value)
        if not _consistent(new):
            raise ThresholdsInvalid()
        try:
            new.full_clean(exclude=["bank", "elder", "created_by"])
        except ValidationError as err:
            raise ThresholdsInvalid(detail={"fields": sorted(err.message_dict)}) from None
        new.save()
        audit_record(actor=actor, action="health.thresholds_changed", obj=new,
                     node=elder.node if elder is not None else bank, bank=bank,
                     changes={"elder": elder.pk if elder else None, "reason": reason,
                              **diff({k: getattr(current, k) for k in THRESHOLD_FIELDS},
                                     {k: getattr(new, k) for k in THRESHOLD_FIELDS})})
    return new
