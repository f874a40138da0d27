"""Grants of time coins to hardship elders; above the bank's threshold a second admin decides."""
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.ledger.models import LedgerRules
from timebank.lib.errors import NotFound
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.models import Person

from ..exceptions import CorrectionInvalid, IdempotencyConflict
from ..models import AccountKind, GrantRequest, Transfer, TransferKind
from ._four_eyes import four_eyes_decide
from .accounts import member_account, system_account
from .posting import _check_amount, transfer_post


def grant_make(*, actor: Person, elder: Person, amount: int, source: str, reason: str,
               idempotency_key: str | None = None) -> GrantRequest:
    """A branch admin grants time coins to a hardship elder from the pool or from issuance. Up to
    the bank's approval threshold the grant posts at once (`request.transfer`); above it, it waits
    for a second admin (`grant_decide`). The same key again returns the first request."""
    amount = _check_amount(amount)
    if elder.node is None or not has_perm(actor, Perm.LEDGER_GRANT, elder.node):
        raise NotFound()
    reason = (reason or "").strip()[:200]
    if not reason:
        raise CorrectionInvalid(_("Give a reason."), code="reason_required")
    if source not in ("pool", "issuance"):
        raise CorrectionInvalid(_("Choose where the coins come from."), code="source_invalid")
    with transaction.atomic():
        if idempotency_key:
            prior = GrantRequest.objects.filter(bank_id=elder.bank_id, idempotency_key=idempotency_key).first()
            if prior is not None:
                if (prior.elder_id, prior.amount, prior.source) != (elder.pk, amount, source):
                    raise IdempotencyConflict()
                return prior
        try:
            with transaction.atomic():
                request = GrantRequest.objects.create(bank_id=elder.bank_id, elder=elder, amount=amount, source=source,
                                                      reason=reason, requested_by=actor, idempotency_key=idempotency_key)
        except IntegrityError:
            return GrantRequest.objects.get(bank_id=elder.bank_id, idempotency_key=idempotency_key)
        audit_record(actor=actor, action="ledger.grant_requested", obj=request, node=elder.node, bank=elder.bank,
                     changes={"amount": amount, "source": source, "elder": elder.pk, "reason": reason})
        if amount <= LedgerRules.in_force(elder.bank).correction_approval_minutes:
            _grant_execute(request, approver=actor)
    return request


def _grant_execute(request: GrantRequest, *, approver: Person) -> Transfer:
    elder = request.elder
    kind = AccountKind.POOL if request.source == "pool" else AccountKind.ISSUANCE
    transfer = transfer_post(debit=system_account(elder.node, kind), credit=member_account(elder), amount=request.amount,
                             kind=TransferKind.GRANT, actor=approver, memo=request.reason,
                             idempotency_key=f"grant:{request.pk}")
    request.transfer, request.approved, request.decided_by, request.decided_at = transfer, True, approver, timezone.now()
    request.save(update_fields=["transfer", "approved", "decided_by", "decided_at"])
    audit_record(actor=approver, action="ledger.grant", obj=transfer, node=elder.node, bank=elder.bank,
                 changes={"amount": request.amount, "source": request.source, "elder": elder.pk})
    return transfer


def grant_decide(*, actor: Person, request: GrantRequest, approve: bool) -> GrantRequest:
    """The second admin approves (the grant posts) or rejects; never the one who asked."""
    with transaction.atomic():
        request = (GrantRequest.objects.select_for_update(of=("self",)).select_related("elder__node")
                   .filter(pk=request.pk).first())
        if request is None or request.elder.node is None or not has_perm(actor, Perm.LEDGER_GRANT, request.elder.node):
            raise NotFound()
        four_eyes_decide(request, actor=actor, approve=approve, execute=_grant_execute,
                         already_decided=_("This grant was already decided."))
        if not approve:
            audit_record(actor=actor, action="ledger.grant_rejected", obj=request, node=request.elder.node)
    return request
