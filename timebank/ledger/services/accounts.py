"""Members' and the bank's own accounts, opened on first use."""
from django.db import IntegrityError, transaction

from timebank.lib.errors import NotFound
from timebank.orgs.models import Node, NodeKind
from timebank.people.models import Person

from ..exceptions import AccountUnknown
from ..models import Account, AccountKind, Currency


def member_account(person: Person, currency: str = Currency.TIME) -> Account:
    """The person's account in `currency` in the bank they belong to now, opened on first use (a member
    who moved banks keeps the old bank's account as their old passbook)."""
    if person.bank_id is None:
        raise AccountUnknown()
    mine = Account.objects.filter(owner=person, currency=currency, kind=AccountKind.MEMBER, bank_id=person.bank_id)
    account = mine.first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(bank_id=person.bank_id, owner=person, currency=currency, kind=AccountKind.MEMBER)
    except IntegrityError:
        return mine.get()


def clearing_account(bank: Node, peer: Node, currency: str = Currency.TIME) -> Account:
    """The bank's clearing account with `peer` (another bank, or the platform node standing for another
    deployment: clearing between deployments, `clearing.federation`), opened on first use. It may go below
    zero: that is what the peer owes this bank."""
    if bank.kind != NodeKind.BANK or bank.pk == peer.pk or not (
            peer.kind == NodeKind.BANK or (peer.kind == NodeKind.PLATFORM and peer.pk != bank.parent_id)):
        raise AccountUnknown()
    found = Account.objects.filter(node=bank, peer=peer, kind=AccountKind.CLEARING, currency=currency)
    account = found.first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(bank_id=bank.pk, node=bank, peer=peer, kind=AccountKind.CLEARING,
                                          currency=currency, allow_negative=True)
    except IntegrityError:
        return found.get()


def branch_of(node: Node) -> Node:
    """The branch a station belongs to (a branch is its own); banks and above have none."""
    if node.kind == NodeKind.BRANCH:
        return node
    if node.kind == NodeKind.STATION:
        return node.parent
    raise NotFound()


def system_account(node: Node, kind: str, currency: str = Currency.TIME) -> Account:
    """A system account of a branch (issuance, escrow, rewards) or bank (pool), opened on first use."""
    if kind == AccountKind.POOL:
        node = node.bank
    elif node.kind not in (NodeKind.BRANCH, NodeKind.BANK):
        node = branch_of(node)
    account = Account.objects.filter(node=node, kind=kind, currency=currency).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(bank_id=node.bank_id, node=node, kind=kind, currency=currency,
                                          allow_negative=(kind == AccountKind.ISSUANCE))
    except IntegrityError:
        return Account.objects.get(node=node, kind=kind, currency=currency)
