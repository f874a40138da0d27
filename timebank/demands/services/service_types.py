"""The bank's catalogue of service types: the standard seed and staff edits."""
from django.core.exceptions import ValidationError
from django.db import transaction

from timebank.audit.services import audit_record
from timebank.ledger.models import LedgerRules
from timebank.lib.errors import NotFound
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

from ..catalogue import SEED_TYPES
from ..exceptions import ServiceTypeCodeTaken, ServiceTypeInvalid
from ..models import ServiceType


def service_types_seed(bank: Node, **_event) -> int:
    """Give a bank the standard catalogue; types it already has (by code) are left alone."""
    if bank.kind != NodeKind.BANK:
        return 0
    rules = LedgerRules.in_force(bank)
    have = set(ServiceType.objects.filter(bank=bank).values_list("code", flat=True))
    new = [ServiceType(bank=bank, code=code, name=name, name_en=name_en, category=category, mode=mode,
                       default_minutes=minutes, rate_percent=rate, points_per_hour=rules.points_per_hour,
                       required_certificate=cert)
           for code, name, name_en, category, mode, minutes, rate, cert in SEED_TYPES if code not in have]
    ServiceType.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def service_type_save(*, actor, bank: Node, code: str, new: bool | None = None, **fields) -> ServiceType:
    """Add or change a type of the bank's catalogue (bank admin). `new=True` only adds (a taken
    code is refused), `new=False` only changes (an unknown code is not found)."""
    if bank is None or not has_perm(actor, Perm.SERVICE_TYPES_MANAGE, bank):
        raise NotFound()
    allowed = {"name", "name_en", "category", "mode", "default_minutes", "rate_percent", "points_per_hour",
               "required_certificate", "is_active"}
    with transaction.atomic():
        service_type = ServiceType.objects.select_for_update().filter(bank=bank, code=code).first()
        if new is True and service_type is not None:
            raise ServiceTypeCodeTaken()
        if new is False and service_type is None:
            raise NotFound()
        before = {k: getattr(service_type, k) for k in allowed} if service_type else {}
        service_type = service_type or ServiceType(bank=bank, code=code)
        for key, value in fields.items():
            if key in allowed:
                setattr(service_type, key, value)
        try:
            service_type.full_clean(exclude=["bank"])
        except ValidationError as err:
            errors = {k: [str(m) for m in v] for k, v in getattr(err, "message_dict", {}).items()}
            raise ServiceTypeInvalid(detail={"errors": errors}) from None
        service_type.save()
        audit_record(actor=actor, action="service_type.saved", obj=service_type, node=bank, bank=bank,
                     changes={k: [before.get(k), getattr(service_type, k)] for k in allowed
                              if before.get(k) != getattr(service_type, k)})
    return service_type
