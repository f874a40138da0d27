"""What members give: gifts (转赠) to relatives or other members, donations (捐赠) to the pool."""
from django.db import transaction

from timebank.audit.services import audit_record
from timebank.ledger.models import LedgerRules
from timebank.people.models import FAMILY_RELATIONS, Person, ProxyLink

from ..exceptions import AccountUnknown, GiftNotAllowed, GiftToActor, GiftToSelf, LimitExceeded, OtherBank
from ..models import AccountKind, Transfer, TransferKind
from .accounts import member_account, system_account
from .posting import _check_amount, transfer_post

RELATIVES = tuple(str(r) for r in FAMILY_RELATIONS)


def are_relatives(a: Person, b: Person) -> bool:
    """A registered family link (child, spouse, other relative) between the two, either way round."""
    return ProxyLink.objects.active().filter(relation__in=RELATIVES).filter(
        proxy=a, elder=b).exists() or ProxyLink.objects.active().filter(
        relation__in=RELATIVES, proxy=b, elder=a).exists()


def _can_spend_for(actor: Person, owner: Person) -> bool:
    from timebank.people.selectors import can_act_for

    return can_act_for(actor, owner)


def gift_send(*, actor: Person, sender: Person, recipient: Person, amount: int, memo: str = "",
              idempotency_key: str | None = None) -> Transfer:
    """转赠: a member gives time coins to a relative (or any member, where the bank allows)."""
    amount = _check_amount(amount)
    if not _can_spend_for(actor, sender):
        raise AccountUnknown()
    if sender.pk == recipient.pk:
        raise GiftToSelf()
    if recipient.pk == actor.pk:
        raise GiftToActor()  # whoever acts for the sender (a proxy, staff) never pays themselves
    if recipient.bank_id != sender.bank_id:
        raise OtherBank()
    rules = LedgerRules.in_force(sender.bank)
    if rules.gift_recipients == "relatives" and not are_relatives(sender, recipient):
        raise GiftNotAllowed()
    if rules.gift_max_minutes and amount > rules.gift_max_minutes:
        raise LimitExceeded(detail={"max": rules.gift_max_minutes})
    with transaction.atomic():
        transfer = transfer_post(debit=member_account(sender), credit=member_account(recipient), amount=amount,
                                 kind=TransferKind.GIFT, actor=actor, memo=memo, idempotency_key=idempotency_key)
        if getattr(transfer, "is_new", False):
            audit_record(actor=actor, action="ledger.gift", obj=transfer, node=sender.node, bank=sender.bank,
                         changes={"amount": amount, "to": recipient.pk})
    return transfer


def donation_make(*, actor: Person, donor: Person, amount: int, memo: str = "",
                  idempotency_key: str | None = None) -> Transfer:
    """捐赠: a member donates time coins to the bank's pool."""
    if not _can_spend_for(actor, donor):
        raise AccountUnknown()
    with transaction.atomic():
        transfer = transfer_post(debit=member_account(donor), credit=system_account(donor.node, AccountKind.POOL),
                                 amount=_check_amount(amount), kind=TransferKind.DONATION, actor=actor, memo=memo,
                                 idempotency_key=idempotency_key)
        if getattr(transfer, "is_new", False):
            audit_record(actor=actor, action="ledger.donation", obj=transfer, node=donor.node, bank=donor.bank,
                     changes={"amount": amount})
    return transfer
