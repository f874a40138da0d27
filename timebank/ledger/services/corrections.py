"""Corrections of posted transfers; above the bank's threshold a second admin decides."""
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.ledger.models import LedgerRules
from timebank.lib.errors import NotFound
from timebank.orgs.models import Node
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.models import Person

from ..exceptions import CorrectionInvalid
from ..models import Account, CorrectionRequest, Currency, Transfer, TransferKind, TransferStatus
from ._four_eyes import four_eyes_decide
from .posting import _check_amount, _lock, transfer_post


def _node_of_account(account: Account) -> Node | None:
    if account.owner_id:
        return account.owner.node
    return account.node


def correction_request(*, actor: Person, original: Transfer, amount: int | None, reason: str) -> CorrectionRequest:
    """Ask to reverse (part of) a posted transfer. Small corrections post at once; above the bank's
    threshold they wait for a second admin."""
    original = Transfer.objects.select_related("debit__owner__node", "credit__owner__node", "debit__node",
                                               "credit__node").filter(pk=original.pk).first()
    if original is None:
        raise NotFound()
    node = _node_of_account(original.credit) or _node_of_account(original.debit)
    if node is None or not has_perm(actor, Perm.LEDGER_CORRECT, node):
        raise NotFound()
    if original.status != TransferStatus.POSTED:
        raise CorrectionInvalid()
    amount = original.amount if amount is None else _check_amount(amount)
    reason = (reason or "").strip()[:200]
    if not reason:
        raise CorrectionInvalid(_("Give a reason."), code="reason_required")
    with transaction.atomic():
        # What remains is read under the lock of the original's accounts: two corrections at once
        # cannot both take the same remainder. Requests still waiting for a second admin count too.
        _lock(original.debit, original.credit)
        waiting = (CorrectionRequest.objects.filter(original=original, approved__isnull=True)
                   .aggregate(s=Sum("amount"))["s"] or 0)
        remaining = _correction_remaining(original) - waiting
        if amount > remaining:
            raise CorrectionInvalid(_("This is more than remains of the original transfer."),
                                    code="correction_too_large", detail={"remaining": max(remaining, 0)})
        request = CorrectionRequest.objects.create(bank_id=original.bank_id, original=original, amount=amount,
                                                   reason=reason, requested_by=actor)
        audit_record(actor=actor, action="ledger.correction_requested", obj=request, node=node,
                     changes={"transfer": original.pk, "amount": amount, "reason": reason})
        threshold = LedgerRules.in_force(original.bank).correction_approval_minutes
        if original.currency == Currency.POINTS or amount <= threshold:
            _correction_execute(request, approver=actor)
    return request


def _correction_remaining(original: Transfer) -> int:
    posted = (Transfer.objects.filter(corrects=original, status=TransferStatus.POSTED)
              .aggregate(s=Sum("amount"))["s"] or 0)
    return original.amount - posted


def _correction_execute(request: CorrectionRequest, *, approver: Person) -> Transfer:
    original = request.original
    _lock(original.debit, original.credit)
    if request.amount > _correction_remaining(original):
        raise CorrectionInvalid(_("This is more than remains of the original transfer."), code="correction_too_large",
                                detail={"remaining": _correction_remaining(original)})
    transfer = transfer_post(debit=original.credit, credit=original.debit, amount=request.amount,
                             kind=TransferKind.CORRECTION, actor=approver, corrects=original,
                             memo=request.reason, idempotency_key=f"correction:{request.pk}")
    request.transfer, request.approved, request.decided_by, request.decided_at = transfer, True, approver, timezone.now()
    request.save(update_fields=["transfer", "approved", "decided_by", "decided_at"])
    return transfer


def correction_decide(*, actor: Person, request: CorrectionRequest, approve: bool) -> CorrectionRequest:
    """The second admin approves (the correction posts) or rejects; never the one who asked."""
    with transaction.atomic():
        request = (CorrectionRequest.objects.select_for_update(of=("self",)).select_related("original")
                   .filter(pk=request.pk).first())
        if request is None:
            raise NotFound()
        node = _node_of_account(request.original.credit) or _node_of_account(request.original.debit)
        if node is None or not has_perm(actor, Perm.LEDGER_CORRECT, node):
            raise NotFound()
        four_eyes_decide(request, actor=actor, approve=approve, execute=_correction_execute,
                         already_decided=_("This correction was already decided."))
        audit_record(actor=actor, action="ledger.correction_approved" if approve else "ledger.correction_rejected",
                     obj=request, node=node)
    return request
