"""Health cards: issue one to an elder, report it lost, reissue it."""
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.lib.errors import InvalidInput, NotFound
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.models import Person

from ..exceptions import CardActiveExists, CardNotActive, CardUidTaken, NotAnElder
from ..models import CardStatus, HealthCard


def _clean_uid(uid) -> str:
    uid = str(uid or "").strip().upper()
    if not uid or len(uid) > 32 or not uid.isascii() or not uid.replace("-", "").replace(":", "").isalnum():
        raise InvalidInput(_("A card UID is 1–32 letters and digits."), code="card_uid_invalid")
    return uid


def _elder_for_card(actor, elder: Person) -> Person:
    elder = Person.objects.select_for_update(of=("self",)).select_related("node", "bank").get(pk=elder.pk)
    if elder.node is None or not has_perm(actor, Perm.HEALTH_CARDS, elder.node):
        raise NotFound()
    if not elder.is_elder:
        raise NotAnElder()
    return elder


def _card_create(*, actor, elder: Person, uid: str) -> HealthCard:
    if HealthCard.objects.filter(bank=elder.bank, uid=uid).exists():
        raise CardUidTaken()
    try:
        with transaction.atomic():
            return HealthCard.objects.create(bank=elder.bank, elder=elder, uid=uid, issued_by=actor)
    except IntegrityError:
        raise CardUidTaken() from None


def card_issue(*, actor, elder: Person, uid: str) -> HealthCard:
    """A first card (or a new one after the old was reported lost)."""
    uid = _clean_uid(uid)
    with transaction.atomic():
        elder = _elder_for_card(actor, elder)
        if HealthCard.objects.filter(elder=elder, status=CardStatus.ACTIVE).exists():
            raise CardActiveExists()
        card = _card_create(actor=actor, elder=elder, uid=uid)
        audit_record(actor=actor, action="health.card_issued", obj=card, node=elder.node, changes={"uid": uid})
    return card


def card_report_lost(*, actor, card: HealthCard) -> HealthCard:
    """The UID stops working at once: readings with it are refused from now on."""
    with transaction.atomic():
        card = HealthCard.objects.select_for_update().get(pk=card.pk)
        _elder_for_card(actor, card.elder)
        if card.status != CardStatus.ACTIVE:
            raise CardNotActive()
        card.status, card.ended_at = CardStatus.LOST, timezone.now()
        card.save(update_fields=["status", "ended_at"])
        audit_record(actor=actor, action="health.card_lost", obj=card, node=card.elder.node)
    return card


def card_reissue(*, actor, card: HealthCard, uid: str) -> HealthCard:
    """A new card in place of `card` (active → replaced; lost stays lost)."""
    uid = _clean_uid(uid)
    with transaction.atomic():
        elder = _elder_for_card(actor, card.elder)
        card = HealthCard.objects.select_for_update().get(pk=card.pk)
        if card.status == CardStatus.REPLACED or HealthCard.objects.filter(
                elder=elder, status=CardStatus.ACTIVE).exclude(pk=card.pk).exists():
            raise CardNotActive()
        if card.status == CardStatus.ACTIVE:
            card.status, card.ended_at = CardStatus.REPLACED, timezone.now()
            card.save(update_fields=["status", "ended_at"])
        new = _card_create(actor=actor, elder=elder, uid=uid)
        audit_record(actor=actor, action="health.card_reissued", obj=new, node=elder.node,
                     changes={"old": card.pk, "uid": uid})
    return new
