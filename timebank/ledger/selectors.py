"""Reading the ledger: accounts the actor may see, the passbook with running balances, reports."""
import datetime as dt
from dataclasses import dataclass

from django.db.models import Max, Min, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from timebank.ledger.events import LIABILITY_REPORT
from timebank.lib.errors import NotFound
from timebank.lib.events import publish
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, scope_q
from timebank.people.models import Person, ProxyLink

from .models import Account, AccountKind, CorrectionRequest, Currency, GrantRequest, Transfer, TransferKind, TransferStatus
from .subjects import describe_subjects


def accounts_of(person: Person) -> dict[str, Account]:
    """The person's time and points accounts (opened on first use)."""
    from .services import member_account

    return {c: member_account(person, c) for c in (Currency.TIME, Currency.POINTS)}


def former_accounts(person: Person) -> list[Account]:
    """The member's accounts in banks they moved away from: their old passbooks, kept readable."""
    return list(Account.objects.filter(owner=person, kind=AccountKind.MEMBER).exclude(bank_id=person.bank_id)
                .select_related("bank").order_by("bank_id", "currency"))


def _may_see_member(actor, owner: Person) -> bool:
    from timebank.people.selectors import can_act_for

    if owner.pk == actor.pk or can_act_for(actor, owner):
        return True
    return owner.node is not None and has_perm(actor, Perm.LEDGER_VIEW, owner.node)


def _may_see(actor, account: Account) -> bool:
    if account.owner_id:
        return _may_see_member(actor, account.owner)
    return account.node is not None and has_perm(actor, Perm.LEDGER_VIEW, account.node)


def ledger_owner_get(actor, person_id) -> Person:
    """A member whose coins the actor may see: themselves, an elder they act for, or one in their
    ledger reach as staff; otherwise 404 (and no account is opened for them)."""
    try:
        owner = Person.objects.select_related("node", "bank").get(pk=int(person_id))
    except (Person.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    if owner.bank_id is None or not _may_see_member(actor, owner):
        raise NotFound()
    return owner


def is_proxy_for(actor, owner: Person) -> bool:
    """True when the actor acts for `owner` through a live proxy link (not as staff)."""
    return ProxyLink.objects.active().filter(proxy=actor, elder=owner).exists()


def gift_recipients(sender: Person) -> list[Person]:
    """Registered relatives of the sender (child, spouse, other relative; either direction of the
    proxy link), in the sender's bank: whom a gift may go to under the "relatives" rule."""
    from .services import RELATIVES

    links = ProxyLink.objects.active().filter(relation__in=RELATIVES)
    ids = set(links.filter(proxy=sender).values_list("elder_id", flat=True))
    ids |= set(links.filter(elder=sender).values_list("proxy_id", flat=True))
    ids.discard(sender.pk)
    return list(Person.objects.filter(pk__in=ids, bank_id=sender.bank_id).order_by("name", "pk"))


def member_by_mobile(bank_id: int, mobile: str) -> Person:
    """A member of this bank by mobile number (for gifts where the bank allows any member)."""
    from timebank.lib.mobile import normalise_mobile

    number = normalise_mobile(mobile or "")
    person = Person.objects.filter(bank_id=bank_id, mobile=number).first() if number else None
    if person is None:
        raise NotFound()
    return person


def transfer_for_correction(actor, transfer_id) -> Transfer:
    """A posted transfer the actor may ask to correct (ledger.correct over one of its sides)."""
    transfer = transfer_get(actor, transfer_id)
    nodes = [a.owner.node if a.owner_id else a.node for a in (transfer.credit, transfer.debit)]
    if not any(n is not None and has_perm(actor, Perm.LEDGER_CORRECT, n) for n in nodes):
        raise NotFound()
    return transfer


def _correction_scope(actor) -> Q:
    q = Q(pk__in=[])
    for side in ("credit", "debit"):
        q |= scope_q(actor, Perm.LEDGER_CORRECT, f"original__{side}__owner__node__path")
        q |= scope_q(actor, Perm.LEDGER_CORRECT, f"original__{side}__node__path")
    return q


def corrections_pending(actor) -> QuerySet[CorrectionRequest]:
    """Corrections waiting for a second admin, within the actor's ledger.correct reach; oldest first."""
    return (CorrectionRequest.objects.filter(_correction_scope(actor), approved__isnull=True)
            .select_related("original__debit__owner", "original__credit__owner", "original__debit__node",
                            "original__credit__node", "requested_by").distinct().order_by("requested_at", "pk"))


def correction_get(actor, request_id) -> CorrectionRequest:
    try:
        return CorrectionRequest.objects.filter(_correction_scope(actor)).distinct().get(pk=int(request_id))
    except (CorrectionRequest.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def grants_pending(actor) -> QuerySet[GrantRequest]:
    """Grants above the threshold waiting for a second admin, within the actor's ledger.grant reach."""
    return (GrantRequest.objects.filter(scope_q(actor, Perm.LEDGER_GRANT, "elder__node__path"), approved__isnull=True)
            .select_related("elder", "requested_by").order_by("requested_at", "pk"))


def grant_request_get(actor, request_id) -> GrantRequest:
    try:
        return GrantRequest.objects.filter(scope_q(actor, Perm.LEDGER_GRANT, "elder__node__path")).get(pk=int(request_id))
    except (GrantRequest.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def corrections_of(transfer: Transfer) -> QuerySet[CorrectionRequest]:
    return transfer.correction_requests.select_related("requested_by", "decided_by", "transfer").order_by("pk")


def banks_reached(actor, perm: str = Perm.LEDGER_VIEW) -> list[Node]:
    """Banks at whose top the actor holds `perm` (for bank-wide reports)."""
    from timebank.orgs.selectors import nodes_visible_to

    return list(nodes_visible_to(actor, perm).filter(kind=NodeKind.BANK).order_by("path"))


def audit_bank_get(actor, bank_id: int | None = None) -> Node:
    """A bank whose ledger the actor may audit (ledger.view at its top and audit.view): the one asked
    for, or their first; otherwise 404. The chain page and the API share it."""
    banks = banks_reached(actor, Perm.LEDGER_VIEW)
    bank = next((b for b in banks if bank_id is None or b.pk == bank_id), None)
    if bank is None or not has_perm(actor, Perm.AUDIT_VIEW, bank):
        raise NotFound()
    return bank


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


def account_transfers(account: Account) -> QuerySet[Transfer]:
    """Newest first (the API pages it by keyset on the id)."""
    return (Transfer.objects.filter(Q(debit=account) | Q(credit=account))
            .select_related("debit__owner", "credit__owner").order_by("-id"))


@dataclass
class PassbookLine:
    transfer: Transfer
    amount: int  # signed: + into the account, − out of it
    balance: int
    counterparty: str
    summary: str = ""  # 摘要: the service, the elder or supplier and the time, else the memo


def _counterparties(account_ids: set[int]) -> dict[int, str]:
    """{account id: the name a passbook shows for it}: its owner, else its node and kind. One query for the
    few accounts a passbook's movements go to or come from."""
    kinds = dict(AccountKind.choices)
    names = {}
    for other in (Account.objects.filter(pk__in=account_ids).select_related("owner", "node")
                  .only("kind", "owner__name", "node__name")):
        names[other.pk] = other.owner.name if other.owner_id else \
            f"{other.node.name if other.node_id else ''} · {kinds.get(other.kind, other.kind)}"
    return names


@dataclass(frozen=True)
class YearTotals:
    """One year of an account's posted movements: the first and last transfer id, and the net (+ in, − out)."""
    first_id: int
    last_id: int
    net: int


def passbook_year_totals(account: Account) -> dict[int, YearTotals]:
    """Every year with posted movements (Asia/Shanghai years), oldest first, in one pass over the account's
    history: what the year picker lists and what a year's opening balance and id range come from."""
    rows = (Transfer.objects.filter(Q(debit=account) | Q(credit=account), status=TransferStatus.POSTED)
            .annotate(y=ExtractYear("created_at", tzinfo=timezone.get_current_timezone())).values("y")
            .annotate(lo=Min("id"), hi=Max("id"), inflow=Sum("amount", filter=Q(credit=account)),
                      outflow=Sum("amount", filter=Q(debit=account)))
            .order_by("y"))
    return {row["y"]: YearTotals(row["lo"], row["hi"], (row["inflow"] or 0) - (row["outflow"] or 0)) for row in rows}


def passbook_years(account: Account, totals: dict[int, YearTotals] | None = None) -> list[int]:
    """The years with movements, newest first."""
    return sorted(passbook_year_totals(account) if totals is None else totals, reverse=True)


def passbook(account: Account, *, year: int | None = None,
             totals: dict[int, YearTotals] | None = None) -> tuple[int, list[PassbookLine]]:
    """Every posted movement with the running balance after it; with `year`, that year only,
    opening with the balance carried over. Returns (opening balance, lines oldest first).
    `totals`: `passbook_year_totals(account)` when the caller has it already."""
    posted = Transfer.objects.filter(Q(debit=account) | Q(credit=account), status=TransferStatus.POSTED)
    opening = 0
    if year:
        totals = passbook_year_totals(account) if totals is None else totals
        opening = sum(t.net for y, t in totals.items() if y < year)
        start = dt.datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
        end = dt.datetime(year + 1, 1, 1, tzinfo=timezone.get_current_timezone())
        posted = posted.filter(created_at__gte=start, created_at__lt=end)
        # The year's rows lie in its id range: on PostgreSQL that range reads only the year's monthly
        # partitions instead of every one of the account's (the dates above still decide). The newest year
        # stays open at the top for a movement posted since the totals were read.
        newest = max(totals, default=None)
        if year in totals:
            posted = posted.filter(id__gte=totals[year].first_id)
            if year < newest:
                posted = posted.filter(id__lte=totals[year].last_id)
        elif newest is not None and year < newest:
            return opening, []  # a year without movements between two with some
        elif newest is not None:
            posted = posted.filter(id__gt=totals[newest].last_id)
    balance, lines = opening, []
    transfers = list(posted.order_by("id"))
    summaries = describe_subjects(transfers)
    names = _counterparties({t.debit_id if t.credit_id == account.pk else t.credit_id for t in transfers})
    for transfer in transfers:
        incoming = transfer.credit_id == account.pk
        balance += transfer.amount if incoming else -transfer.amount
        lines.append(PassbookLine(transfer, transfer.amount if incoming else -transfer.amount, balance,
                                  names[transfer.debit_id if incoming else transfer.credit_id],
                                  summaries.get(transfer.pk) or transfer.memo))
    return opening, lines


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
    # Sections the apps above contribute, e.g. the guarantee fund (保底): what it owes suppliers, in fen.
    sections: dict = {}
    for section in publish(LIABILITY_REPORT, bank=bank):
        sections.update(section)
    return {
        "bank": bank.name,
        "outstanding": (total["c"] or 0) - (total["d"] or 0),
        "pool": (pool["c"] or 0) - (pool["d"] or 0),
        "branches": list(by_branch.values()),
        "years": [{"year": y, **v} for y, v in sorted(flows.items())],
        **sections,
    }


def unsealed_count(bank: Node) -> int:
    """Posted transfers the worker has not yet sealed into the bank's hash chain."""
    return Transfer.objects.filter(bank=bank, status=TransferStatus.POSTED, seal__isnull=True).count()
