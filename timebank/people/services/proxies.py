"""Proxies: staff ask for a link, the elder or a second staff member confirms it, staff end it."""
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.lib.errors import InvalidInput, NotFound
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

from ..exceptions import NotAnElder, ProxyInvalid
from ..models import FAMILY_RELATIONS, Person, PersonStatus, ProxyLink, ProxyRelation
from ..selectors import proxy_confirm_refusal


def _family_elsewhere(elder: Person, proxy: Person, relation: str) -> bool:
    """A family member registered in another bank of the elder's platform (the link lives in the elder's
    bank; the elder's staff ask for it and the elder or a second staff member confirms it, as any link)."""
    from timebank.orgs.models import Node

    banks = {n.pk: n.parent_id for n in Node.objects.filter(pk__in=[elder.bank_id, proxy.bank_id])}
    return relation in FAMILY_RELATIONS and len(banks) == 2 and banks[elder.bank_id] == banks[proxy.bank_id] \
        and banks[elder.bank_id] is not None


def proxy_link(*, actor, elder: Person, proxy: Person, relation: str) -> ProxyLink:
    """Staff who may edit the elder ask for `proxy` to act for them. The link waits (pending) until the
    elder or a second staff member confirms it (`proxy_confirm`): nobody makes themselves, or anyone
    else, an elder's proxy alone."""
    if relation not in ProxyRelation.values:
        raise InvalidInput(_("Choose how the proxy is related to the elder."), code="relation_invalid")
    with transaction.atomic():
        first, second = sorted([elder.pk, proxy.pk])
        locked = {p.pk: p for p in Person.objects.select_for_update(of=("self",)).filter(pk__in=[first, second])
                  .select_related("node").order_by("pk")}
        elder, proxy = locked.get(elder.pk), locked.get(proxy.pk)
        if elder is None or proxy is None or elder.node is None or not has_perm(actor, Perm.PEOPLE_EDIT, elder.node):
            raise NotFound()
        if not elder.is_elder:
            raise NotAnElder()
        if elder.pk == proxy.pk or proxy.status != PersonStatus.ACTIVE or proxy.bank_id is None:
            raise ProxyInvalid()
        if proxy.bank_id != elder.bank_id and not _family_elsewhere(elder, proxy, relation):
            raise ProxyInvalid(_("Only a son or daughter, a spouse or another relative registered in another "
                                 "district of the city can be linked across districts."), code="proxy_other_bank")
        if ProxyLink.objects.filter(proxy=proxy, elder=elder, revoked_at__isnull=True).exists():
            raise ProxyInvalid(_("This proxy is already linked to the elder."), code="proxy_exists")
        link = ProxyLink.objects.create(bank=elder.bank, proxy=proxy, elder=elder, relation=relation, created_by=actor,
                                        confirmed_at=None)
        audit_record(actor=actor, action="proxy.requested", obj=link, node=elder.node,
                     changes={"elder": elder.pk, "proxy": proxy.pk, "relation": relation})
    return link


def proxy_confirm(*, actor, link: ProxyLink) -> ProxyLink:
    """The elder, or a second staff member who may edit the elder, confirms a pending link; from then
    on the proxy may act for the elder. Nobody confirms a link that makes them the proxy, and the staff
    member who asked for a link does not confirm it too (four eyes)."""
    with transaction.atomic():
        link = (ProxyLink.objects.select_for_update(of=("self",)).select_related("elder__node", "proxy")
                .filter(pk=link.pk).first())
        if link is None:
            raise NotFound()
        refusal = proxy_confirm_refusal(actor, link)
        if refusal is not None:
            raise refusal
        if link.proxy.status != PersonStatus.ACTIVE:
            raise ProxyInvalid()
        link.confirmed_at, link.confirmed_by = timezone.now(), actor
        link.save(update_fields=["confirmed_at", "confirmed_by"])
        audit_record(actor=actor, action="proxy.confirmed", obj=link, node=link.elder.node,
                     changes={"elder": link.elder_id, "proxy": link.proxy_id, "requested_by": link.created_by_id,
                              "by_elder": actor.pk == link.elder_id})
    return link


def proxy_unlink(*, actor, link: ProxyLink) -> ProxyLink:
    """Staff who may edit the elder end a link (or withdraw a request); the elder may decline a request."""
    with transaction.atomic():
        link = ProxyLink.objects.select_for_update(of=("self",)).select_related("elder__node").get(pk=link.pk)
        declining = actor.pk == link.elder_id and link.is_pending
        if not declining and (link.elder.node is None or not has_perm(actor, Perm.PEOPLE_EDIT, link.elder.node)):
            raise NotFound()
        if link.revoked_at is None:
            pending = link.confirmed_at is None
            link.revoked_at = timezone.now()
            link.save(update_fields=["revoked_at"])
            audit_record(actor=actor, action="proxy.declined" if declining else "proxy.unlinked", obj=link,
                         node=link.elder.node, changes={"pending": pending} if pending else None)
    return link
