"""What the clearing pages and API show, already scoped: a member sees the cross-bank transfers they
sent or received; staff with clearing.view see their bank's positions, records and netting runs; the
platform sees every bank."""
from django.db.models import Q, QuerySet

from timebank.ledger.models import Account, AccountKind
from timebank.lib.errors import NotFound
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, nodes_with
from timebank.people.models import Person
from timebank.people.selectors import can_act_for

from .models import (
    CrossBankTransfer,
    MemberMove,
    MessageStatus,
    NettingPosition,
    NettingRun,
    OutboundMessage,
    PeerPlatform,
    ReconciliationReport,
)


def banks_in_reach(actor) -> list[Node]:
    """The banks whose clearing the actor may see: a bank admin or auditor their bank, the platform all."""
    banks: dict[int, Node] = {}
    for node in nodes_with(actor, Perm.CLEARING_VIEW):
        if node.kind == NodeKind.PLATFORM:
            banks.update({b.pk: b for b in Node.objects.filter(parent=node, kind=NodeKind.BANK)})
        elif node.kind == NodeKind.BANK:
            banks[node.pk] = node
    return sorted(banks.values(), key=lambda b: b.pk)


def platforms_in_reach(actor, perm: str = Perm.CLEARING_RUN) -> list[Node]:
    return [n for n in nodes_with(actor, perm) if n.kind == NodeKind.PLATFORM]


def positions_now(actor) -> list[Account]:
    """The clearing accounts of the banks in reach as they stand (what the next run will settle)."""
    ids = [b.pk for b in banks_in_reach(actor)]
    return list(Account.objects.filter(kind=AccountKind.CLEARING, bank_id__in=ids, peer__kind=NodeKind.BANK)
                .select_related("bank", "peer")
                .order_by("bank_id", "peer_id", "currency"))


def net_by_bank(positions) -> list[dict]:
    """Per bank and currency: what it owes the others in all (> 0) or is owed (< 0)."""
    net: dict[tuple[int, str], dict] = {}
    for p in positions:
        bank = p.bank
        row = net.setdefault((bank.pk, p.currency), {"bank": bank, "currency": p.currency, "net": 0})
        row["net"] += p.balance
    return sorted(net.values(), key=lambda r: (r["bank"].pk, r["currency"]))


def runs_visible_to(actor) -> QuerySet[NettingRun]:
    banks = banks_in_reach(actor)
    platforms = {b.parent_id for b in banks}
    return NettingRun.objects.filter(platform_id__in=platforms).order_by("-business_day", "-id")


def run_get(actor, run_id) -> NettingRun:
    try:
        return runs_visible_to(actor).get(pk=int(run_id))
    except (NettingRun.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def run_positions(actor, run: NettingRun) -> QuerySet[NettingPosition]:
    ids = [b.pk for b in banks_in_reach(actor)]
    return run.positions.filter(bank_id__in=ids).select_related("bank", "peer", "settlement")


def bank_in_reach(actor, bank_id) -> Node:
    for bank in banks_in_reach(actor):
        if str(bank.pk) == str(bank_id):
            return bank
    raise NotFound()


def records_of_bank(bank: Node) -> QuerySet[CrossBankTransfer]:
    return CrossBankTransfer.objects.filter(Q(bank=bank) | Q(peer=bank)).select_related(
        "bank", "peer", "sender", "recipient")


def records_visible_to(actor) -> QuerySet[CrossBankTransfer]:
    """A member's own (sent, received, or of an elder they act for); staff: their banks' records."""
    ids = [b.pk for b in banks_in_reach(actor)]
    from timebank.people.models import ProxyLink

    elders = ProxyLink.objects.active().filter(proxy=actor).values("elder_id")
    mine = Q(sender=actor) | Q(recipient=actor) | Q(sender__in=elders) | Q(recipient__in=elders)
    return (CrossBankTransfer.objects.filter(mine | Q(bank_id__in=ids) | Q(peer_id__in=ids))
            .select_related("bank", "peer", "sender", "recipient").order_by("-id"))


def moves_of(person: Person) -> QuerySet[MemberMove]:
    return MemberMove.objects.filter(person=person).select_related("bank", "to_bank", "from_node", "to_node")


def move_destinations(person: Person) -> QuerySet[Node]:
    """Open stations of the other banks of the member's platform."""
    if person.bank is None:
        return Node.objects.none()
    return (Node.objects.filter(kind=NodeKind.STATION, is_closed=False, bank__parent_id=person.bank.parent_id)
            .exclude(bank_id=person.bank_id).select_related("bank", "parent").order_by("bank_id", "path"))


def person_to_move(actor, person_id) -> Person:
    """A member the actor may move to another bank (people.move_bank at their station); else 404."""
    try:
        person = Person.objects.select_related("bank", "node").get(pk=int(person_id))
    except (Person.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if person.node is None or not has_perm(actor, Perm.PEOPLE_MOVE_BANK, person.node):
        raise NotFound()
    return person


def sender_for(actor, person_id) -> Person:
    """Whose coins a gift spends: the actor's own, or an elder's they act for; else 404."""
    if person_id in (None, actor.pk):
        return actor
    try:
        person = Person.objects.select_related("bank", "node").get(pk=int(person_id))
    except (Person.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if not can_act_for(actor, person):
        raise NotFound()
    return person


# ── clearing with other deployments: the city's (platform admins') view ──

def peers_visible_to(actor) -> QuerySet[PeerPlatform]:
    return PeerPlatform.objects.filter(platform__in=platforms_in_reach(actor, Perm.CLEARING_VIEW)).order_by("name")


def peer_get(actor, peer_id, perm: str = Perm.CLEARING_VIEW) -> PeerPlatform:
    try:
        return PeerPlatform.objects.select_related("platform", "node").get(
            pk=int(peer_id), platform__in=platforms_in_reach(actor, perm))
    except (PeerPlatform.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def reports_visible_to(actor) -> QuerySet[ReconciliationReport]:
    return (ReconciliationReport.objects.filter(platform__in=platforms_in_reach(actor, Perm.CLEARING_VIEW))
            .select_related("peer").order_by("-made_at", "-id"))


def peer_summaries(actor) -> list[dict]:
    """Each partner platform with its messages waiting, refused and the latest report."""
    rows = []
    for peer in peers_visible_to(actor):
        outbound = OutboundMessage.objects.filter(peer=peer)
        rows.append({"peer": peer, "pending": outbound.filter(status=MessageStatus.PENDING).count(),
                     "refused": outbound.filter(status=MessageStatus.REFUSED).count(),
                     "accepted": outbound.filter(status=MessageStatus.ACCEPTED).count(),
                     "report": peer.reports.order_by("-made_at", "-id").first()})
    return rows


def peers_for_sender(sender: Person) -> QuerySet[PeerPlatform]:
    """The partner platforms (other cities) the sender's platform sends to."""
    return PeerPlatform.objects.filter(is_active=True, platform_id=sender.bank.parent_id if sender.bank else None
                                       ).select_related("node").order_by("name")


def outbound_of(sender: Person) -> QuerySet[OutboundMessage]:
    """The sender's latest gifts to other cities, newest first, with how each ended."""
    return OutboundMessage.objects.filter(sender=sender).select_related("peer").order_by("-id")


def peer_for_sender(sender: Person, peer_id) -> PeerPlatform:
    """A partner platform of the sender's platform that is sending, or the 404 of one that does not exist."""
    try:
        return PeerPlatform.objects.select_related("node").get(pk=int(peer_id), is_active=True,
                                                               platform_id=sender.bank.parent_id)
    except (PeerPlatform.DoesNotExist, TypeError, ValueError, AttributeError):
        raise NotFound() from None
