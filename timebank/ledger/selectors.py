"""Reading the ledger: accounts the actor may see, the passbook with running balances, reports."""
import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from timebank.lib.errors import NotFound
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, scope_q
from timebank.people.models import Person

from .models import Account, AccountKind, Currency, Transfer, TransferKind, TransferStatus


def accounts_of(person: Person) -> dict[str, Account]:
    """The person's time and points accounts (opened on first use)."""
    from .services import member_account

    return {c: member_account(person, c) for c in (Currency.TIME, Currency.POINTS)}


def _may_see(actor, account: Account) -> bool:
    from timebank.people.selectors import can_act_for

    if account.owner_id:
        owner = account.owner
        if owner.pk == actor.pk or can_act_for(actor, owner):
            return True
        return owner.node is not None and has_perm(actor, Perm.LEDGER_VIEW, owner.node)
    return account.node is not None and has_perm(actor, Perm.LEDGER_VIEW, account.node)


def account_get(actor, account_id) -> Account:
    """An account the actor owns, acts for as a proxy, or reaches as staff; otherwise 404."""
    try:
        account = Account.objects.select_related("owner__node", "node").get(pk=int(account_id))
    except (Account.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if not _may_see(actor, account):
        raise NotFound()
    return account


def transfer_get(actor, transfer_id) -> Transfer:
    try:
        transfer = Transfer.objects.select_related("debit__owner__node", "credit__owner__node", "debit__node",
                                                   "credit__node").get(pk=int(transfer_id))
    except (Transfer.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if not (_may_see(actor, transfer.debit) or _may_see(actor, transfer.credit)):
        raise NotFound()
    return transfer


def account_transfers(account: Account, *, before: int | None = None, limit: int = 50) -> list[Transfer]:
    """Newest first, keyset-paginated by id: `before` is the last id of the previous page."""
    transfers = Transfer.objects.filter(Q(debit=account) | Q(credit=account)).select_related("debit__owner",
                                                                                           "credit__owner")
    if before:
        transfers = transfers.filter(pk__lt=before)
    return list(transfers.order_by("-id")[:limit])


@dataclass
class PassbookLine:
    transfer: Transfer
    amount: int  # signed: + into the account, − out of it
    balance: int
    counterparty: str


def _counterparty(transfer: Transfer, account: Account) -> str:
    other = transfer.debit if transfer.credit_id == account.pk else transfer.credit
    if other.owner_id:
        return other.owner.name
    return f"{other.node.name if other.node_id else ''} · {other.get_kind_display()}"


def passbook(account: Account, *, year: int | None = None) -> tuple[int, list[PassbookLine]]:
    """Every posted movement with the running balance after it; with `year`, that year only,
    opening with the balance carried over. Returns (opening balance, lines oldest first)."""
    posted = Transfer.objects.filter(Q(debit=account) | Q(credit=account), status=TransferStatus.POSTED)
    opening = 0
    if year:
        start = dt.datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
        end = dt.datetime(year + 1, 1, 1, tzinfo=timezone.get_current_timezone())
        before = posted.filter(created_at__lt=start)
        opening = ((before.filter(credit=account).aggregate(s=Sum("amount"))["s"] or 0)
                   - (before.filter(debit=account).aggregate(s=Sum("amount"))["s"] or 0))
        posted = posted.filter(created_at__gte=start, created_at__lt=end)
    balance, lines = opening, []
    for transfer in posted.select_related("debit__owner", "credit__owner", "debit__node", "credit__node").order_by("id"):
        amount = transfer.amount if transfer.credit_id == account.pk else -transfer.amount
        balance += amount
        lines.append(PassbookLine(transfer, amount, balance, _counterparty(transfer, account)))
    return opening, lines


def passbook_years(account: Account) -> list[int]:
    years = (Transfer.objects.filter(Q(debit=account) | Q(credit=account), status=TransferStatus.POSTED)
             .annotate(y=ExtractYear("created_at", tzinfo=timezone.get_current_timezone()))
             .values_list("y", flat=True).distinct())
    return sorted(set(years), reverse=True)


def member_accounts_visible_to(actor) -> QuerySet[Account]:
    return Account.objects.filter(scope_q(actor, Perm.LEDGER_VIEW, "owner__node__path"), kind=AccountKind.MEMBER)


def liability_report(actor, bank: Node) -> dict:
    """Coins outstanding (the bank's promise to members) by branch, and issued / redeemed / donated
    by year — what a guarantee fund must be sized against. Minutes throughout."""
    if not has_perm(actor, Perm.LEDGER_VIEW, bank):
        raise NotFound()
    members = Account.objects.filter(bank=bank, kind=AccountKind.MEMBER, currency=Currency.TIME)
    by_branch = {}
    for branch in Node.objects.filter(bank=bank, kind=NodeKind.BRANCH).order_by("path"):
        in_branch = members.filter(owner__node__path__startswith=branch.path).aggregate(
            c=Sum("posted_credits"), d=Sum("posted_debits"), p=Sum("pending_debits"))
        by_branch[branch.pk] = {"branch": branch.name, "outstanding": (in_branch["c"] or 0) - (in_branch["d"] or 0),
                                "held": in_branch["p"] or 0}
    posted = Transfer.objects.filter(bank=bank, currency=Currency.TIME, status=TransferStatus.POSTED).annotate(
        year=ExtractYear("created_at", tzinfo=timezone.get_current_timezone()))
    flows: dict[int, dict[str, int]] = {}
    for row in posted.values("year", "kind").annotate(s=Sum("amount")):
        flows.setdefault(row["year"], {k: 0 for k in ("earned", "granted", "redeemed", "donated", "gifted",
                                                       "corrected")})
        bucket = {TransferKind.SERVICE_CREDIT: "earned", TransferKind.GRANT: "granted",
                  TransferKind.REDEMPTION: "redeemed", TransferKind.DONATION: "donated", TransferKind.OVERFLOW: "donated",
                  TransferKind.GIFT: "gifted", TransferKind.CORRECTION: "corrected"}.get(row["kind"])
        if bucket:
            flows[row["year"]][bucket] += row["s"]
    total = members.aggregate(c=Sum("posted_credits"), d=Sum("posted_debits"))
    pool = Account.objects.filter(bank=bank, kind=AccountKind.POOL, currency=Currency.TIME).aggregate(
        c=Sum("posted_credits"), d=Sum("posted_debits"))
    return {
        "bank": bank.name,
        "outstanding": (total["c"] or 0) - (total["d"] or 0),
        "pool": (pool["c"] or 0) - (pool["d"] or 0),
        "branches": list(by_branch.values()),
        "years": [{"year": y, **v} for y, v in sorted(flows.items())],
    }
