"""Reads of suppliers, orders, scores and settlement, scoped to what `actor` may see:
staff by the org nodes in their reach, supplier staff only their own supplier."""
import datetime as dt

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from timebank.lib.errors import NotFound
from timebank.orgs.models import Node
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, nodes_with, scope_q
from timebank.people.models import ProxyLink

from .models import (
    GuaranteeOffer,
    GuaranteeOfferStatus,
    Meeting,
    SettlementLine,
    Supplier,
    SupplierMember,
    SupplierOrder,
    SupplierRules,
    SupplierScore,
)


def supplier_rules_for(bank: Node, at=None) -> SupplierRules:
    """The bank's supplier rules in force at `at` (now by default); the shipped defaults when none set."""
    at = at or timezone.now()
    rules = SupplierRules.objects.filter(bank=bank, effective_from__lte=at).order_by("-effective_from", "-id").first()
    return rules or SupplierRules(bank=bank)


def member_supplier_ids(actor) -> list[int]:
    """The suppliers this person works for (supplier staff)."""
    if actor is None or not getattr(actor, "pk", None):
        return []
    cached = getattr(actor, "_supplier_ids", None)
    if cached is None:
        cached = list(SupplierMember.objects.filter(person=actor, revoked_at__isnull=True)
                      .values_list("supplier_id", flat=True))
        actor._supplier_ids = cached
    return cached


def _ancestor_paths(path: str) -> list[str]:
    ids = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(ids[:i]) + "/" for i in range(1, len(ids) + 1)]


def _staff_q(actor, perm: str) -> Q:
    """Suppliers that belong to a node in reach, or serve a node in reach (or one above it)."""
    q = scope_q(actor, perm, "node__path")
    for top in nodes_with(actor, perm):
        areas = Supplier.areas.through.objects.filter(supplier_id=OuterRef("pk")).filter(
            Q(node__path__startswith=top.path) | Q(node__path__in=_ancestor_paths(top.path)))
        q |= Q(Exists(areas))
    return q


def suppliers_visible_to(actor, perm: str = Perm.SUPPLIERS_VIEW) -> QuerySet[Supplier]:
    q = _staff_q(actor, perm)
    if perm == Perm.SUPPLIERS_VIEW:
        q |= Q(pk__in=member_supplier_ids(actor))
    return Supplier.objects.filter(q).select_related("node", "bank")


def supplier_get(actor, supplier_id, perm: str = Perm.SUPPLIERS_VIEW) -> Supplier:
    try:
        return suppliers_visible_to(actor, perm).get(pk=int(supplier_id))
    except (Supplier.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def may_manage(actor, supplier: Supplier) -> bool:
    return has_perm(actor, Perm.SUPPLIERS_MANAGE, supplier.node)


def is_supplier_admin(actor, supplier: Supplier) -> bool:
    """The supplier's own admin, while the supplier serves (a suspended supplier's admin manages nobody)."""
    return bool(getattr(actor, "pk", None)) and supplier.is_serving and SupplierMember.objects.filter(
        supplier=supplier, person_id=actor.pk, revoked_at__isnull=True, is_admin=True).exists()


def may_manage_staff(actor, supplier: Supplier) -> bool:
    """Who registers and removes the supplier's staff: its managers, or its own admin."""
    return may_manage(actor, supplier) or is_supplier_admin(actor, supplier)


def supplier_search(actor, *, query: str = "", status: str = "", service_type: str = "",
                    area_id: int | None = None) -> QuerySet[Supplier]:
    suppliers = suppliers_visible_to(actor)
    query = (query or "").strip()
    if query:
        suppliers = suppliers.filter(Q(name__icontains=query) | Q(credit_code__icontains=query)
                                     | Q(contact_name__icontains=query))
    if status:
        suppliers = suppliers.filter(status=status)
    if service_type:
        suppliers = suppliers.filter(offers__service_type__code=service_type, offers__is_active=True)
    if area_id:
        suppliers = suppliers.filter(areas__pk=area_id)
    return suppliers.distinct().order_by("name", "id")


def admission_queue(actor) -> QuerySet[Supplier]:
    return (suppliers_visible_to(actor, Perm.SUPPLIERS_MANAGE)
            .filter(status__in=["applied", "reviewing", "trial"]).order_by("created_at", "id"))


def exit_proposals(actor) -> QuerySet[Supplier]:
    """Suppliers whose score fell below the exit line and that are still on the register."""
    return (suppliers_visible_to(actor, Perm.SUPPLIERS_MANAGE).filter(exit_proposed_at__isnull=False)
            .exclude(status__in=["removed", "withdrawn", "rejected"]).order_by("exit_proposed_at", "id"))


def serves(supplier: Supplier, node: Node) -> bool:
    """The supplier's service area covers `node` (an area node at or above it)."""
    return supplier.areas.filter(path__in=_ancestor_paths(node.path)).exists()


def serving_suppliers_for(elders) -> list[Supplier]:
    """Suppliers that may take orders now and serve the community of at least one of these elders."""
    paths = {p for e in elders if e.node_id for p in _ancestor_paths(e.node.path)}
    banks = {e.bank_id for e in elders if e.bank_id}
    if not paths:
        return []
    return list(Supplier.objects.filter(bank_id__in=banks, status__in=["trial", "admitted"], areas__path__in=paths)
                .distinct().prefetch_related("offers__service_type").order_by("name", "id"))


def current_score(supplier: Supplier, year: int | None = None) -> int:
    year = year or timezone.localdate().year
    score = SupplierScore.objects.filter(supplier=supplier, year=year).first()
    return score.value if score else supplier_rules_for(supplier.bank).score_start


def score_history(supplier: Supplier, year: int | None = None) -> tuple[int, list]:
    year = year or timezone.localdate().year
    score = SupplierScore.objects.filter(supplier=supplier, year=year).first()
    if score is None:
        return supplier_rules_for(supplier.bank).score_start, []
    return score.value, list(score.events.select_related("actor").order_by("at", "id"))


def ranking(actor, year: int | None = None) -> list[tuple[Supplier, int]]:
    """Suppliers in reach by this year's score, best first."""
    if not has_perm(actor, Perm.SUPPLIERS_VIEW):
        raise NotFound()
    year = year or timezone.localdate().year
    suppliers = list(suppliers_visible_to(actor).exclude(status__in=["rejected", "withdrawn"]))
    scores = dict(SupplierScore.objects.filter(supplier__in=suppliers, year=year).values_list("supplier_id", "value"))
    rows = [(s, scores.get(s.pk, supplier_rules_for(s.bank).score_start)) for s in suppliers]
    return sorted(rows, key=lambda r: (-r[1], r[0].name))


# ---- orders ----------------------------------------------------------------------------------

def orders_visible_to(actor, perm: str = Perm.SUPPLIERS_VIEW) -> QuerySet[SupplierOrder]:
    """Staff: orders for elders at stations in reach (with `perm`). Supplier staff: their supplier's.
    Members: orders for themselves or the elders they act for."""
    q = scope_q(actor, perm, "station__path") | Q(supplier_id__in=member_supplier_ids(actor))
    if getattr(actor, "pk", None):
        elder_ids = list(ProxyLink.objects.active().filter(proxy=actor).values_list("elder_id", flat=True))
        q |= Q(elder_id__in=[actor.pk, *elder_ids]) | Q(booked_by=actor)
    return SupplierOrder.objects.filter(q).select_related("supplier", "service_type", "elder", "station")


def order_get(actor, order_id) -> SupplierOrder:
    try:
        return orders_visible_to(actor).get(pk=int(order_id))
    except (SupplierOrder.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def order_inbox(actor, supplier: Supplier) -> dict[str, list[SupplierOrder]]:
    orders = SupplierOrder.objects.filter(supplier=supplier).select_related("service_type", "elder", "station")
    return {
        "new": list(orders.filter(status="booked").order_by("starts_at")),
        "upcoming": list(orders.filter(status="accepted").order_by("starts_at")),
        "done": list(orders.filter(status__in=["done", "confirmed"]).order_by("-starts_at")[:20]),
    }


def guarantee_offers_for(supplier: Supplier) -> QuerySet[GuaranteeOffer]:
    return (GuaranteeOffer.objects.filter(supplier=supplier, status=GuaranteeOfferStatus.OFFERED,
                                          demand__starts_at__gt=timezone.now())
            .select_related("demand__service_type", "demand__station").order_by("demand__starts_at"))


# ---- settlement ------------------------------------------------------------------------------

def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def settlement(actor, supplier: Supplier, month: dt.date) -> dict:
    """The month's lines: all of them for the supplier's managers and its own staff; for other staff
    only the orders at stations in their reach (a supplier of the whole bank serves every branch,
    and each line names the elder)."""
    lines = SettlementLine.objects.filter(supplier=supplier, month=month_start(month))
    if not may_manage(actor, supplier) and supplier.pk not in member_supplier_ids(actor):
        lines = lines.filter(scope_q(actor, Perm.SUPPLIERS_VIEW, "order__station__path"))
    lines = list(lines.select_related("order__service_type", "order__elder").order_by("id"))
    owed = [line for line in lines if line.voided_at is None]
    return {
        "lines": lines,
        "total_fen": sum(line.amount_fen for line in owed),
        "unpaid_fen": sum(line.amount_fen for line in owed if line.paid_at is None),
        "coin_minutes": sum(line.coin_minutes for line in owed),
    }


def guarantee_fund_exposure(bank: Node) -> int:
    """Fen the bank's guarantee fund still owes suppliers (voided lines owe nothing)."""
    return (SettlementLine.objects.filter(bank=bank, paid_at__isnull=True, voided_at__isnull=True)
            .aggregate(s=Sum("amount_fen"))["s"] or 0)


def guarantee_fund_summary(bank: Node) -> dict:
    """The guarantee fund's exposure for the ledger's liability report, in fen: owed now (taken,
    not yet paid), paid so far, and requests offered to suppliers but not yet taken (at the cheapest
    offered price) — what the fund may still have to pay. Coins redeemed through suppliers in minutes."""
    lines = SettlementLine.objects.filter(bank=bank, voided_at__isnull=True)
    owed = lines.filter(paid_at__isnull=True).aggregate(s=Sum("amount_fen"), n=Count("id"), m=Sum("coin_minutes"))
    paid = lines.filter(paid_at__isnull=False).aggregate(s=Sum("amount_fen"), n=Count("id"), m=Sum("coin_minutes"))
    open_offers = (GuaranteeOffer.objects.filter(demand__bank=bank, status=GuaranteeOfferStatus.OFFERED,
                                                 demand__starts_at__gt=timezone.now())
                   .values("demand_id").annotate(cheapest=Min("price_fen")))
    return {
        "owed_fen": owed["s"] or 0, "owed_orders": owed["n"] or 0, "owed_minutes": owed["m"] or 0,
        "paid_fen": paid["s"] or 0, "paid_orders": paid["n"] or 0, "paid_minutes": paid["m"] or 0,
        "offered_fen": sum(row["cheapest"] for row in open_offers), "offered_requests": len(open_offers),
    }


def meetings_visible_to(actor) -> QuerySet[Meeting]:
    q = scope_q(actor, Perm.SUPPLIERS_VIEW, "node__path") | Q(suppliers__in=member_supplier_ids(actor))
    return Meeting.objects.filter(q).distinct().prefetch_related("decisions", "suppliers")

