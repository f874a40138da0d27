"""Supplier orders (book, accept, decline, cancel, done, confirm, missed), guaranteed fulfilment, settlement."""
import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.demands import services as demands
from timebank.demands.exceptions import DemandFull
from timebank.demands.models import Demand, DemandRules, DemandStatus, Payer, ServiceType
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind
from timebank.lib.errors import InvalidInput, NotFound, PermissionDenied
from timebank.notices.models import NoticeKind
from timebank.notices.services import notice_send
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.access import access_elder
from timebank.people.models import Person
from timebank.people.selectors import can_act_for

from .. import selectors
from ..exceptions import (
    AlreadyTaken,
    AreaNotServed,
    CoinsNotAccepted,
    ElderRequired,
    InvalidTransition,
    LicenceExpired,
    OfferMissing,
    RatingInvalid,
    SupplierNotServing,
    TimesInvalid,
)
from ..models import (
    SERVING_STATUSES,
    GuaranteeOffer,
    GuaranteeOfferStatus,
    OrderStatus,
    Payment,
    ScoreReason,
    SettlementLine,
    Supplier,
    SupplierOffer,
    SupplierOrder,
)
from ._common import S, _lock_supplier, _members, _tell, _text
from .registry import score_apply

# ---- orders -------------------------------------------------------------------------------------

def _coin_minutes(service_type: ServiceType) -> int:
    return service_type.credit_for(service_type.default_minutes)


def _active_offer(supplier: Supplier, service_type: ServiceType) -> SupplierOffer:
    offer = SupplierOffer.objects.filter(supplier=supplier, service_type=service_type, is_active=True).first()
    if offer is None:
        raise OfferMissing()
    return offer


def order_book(*, actor: Person, supplier: Supplier, service_type: ServiceType, elder: Person,
               starts_at: dt.datetime, payment: str, address: str = "", notes: str = "") -> SupplierOrder:
    """Staff, the elder or a proxy book a supplier's service for an elder. Paid with coins, the
    elder's coins are held now and posted on confirmation."""
    if payment not in Payment.values:
        raise InvalidInput(_("Choose how the order is paid."), code="payment_invalid")
    if elder is None:
        raise ElderRequired()
    elder = access_elder(actor, elder.pk, for_=Perm.PEOPLE_EDIT)  # before any answer that tells who they are
    if not elder.is_elder or elder.node is None:
        raise ElderRequired()
    if not can_act_for(actor, elder):
        raise NotFound()
    now = timezone.now()
    if starts_at is None or timezone.is_naive(starts_at) or starts_at <= now or starts_at > now + dt.timedelta(days=366):
        raise TimesInvalid()
    address, notes = _text(address, 200), _text(notes, 500)
    with transaction.atomic():
        supplier = _lock_supplier(supplier.pk)
        if supplier.bank_id != elder.bank_id:
            raise NotFound()
        if not supplier.is_serving:
            raise SupplierNotServing(detail={"status": supplier.status})
        if supplier.licences.filter(expires_on__lt=timezone.localdate()).exists():
            raise LicenceExpired()
        offer = _active_offer(supplier, service_type)
        if not selectors.serves(supplier, elder.node):
            raise AreaNotServed()
        minutes = 0
        if payment == Payment.COINS:
            if not offer.accepts_coins:
                raise CoinsNotAccepted()
            minutes = _coin_minutes(service_type)
            ledger.redemption_allowed(elder)
        order = SupplierOrder.objects.create(
            bank_id=supplier.bank_id, station=elder.node, supplier=supplier, offer=offer, service_type=service_type,
            elder=elder, starts_at=starts_at, address=address or elder.address, notes=notes, payment=payment,
            price_fen=offer.price_fen, coin_minutes=minutes, booked_by=actor)
        if minutes:
            order.hold = ledger.hold_create(
                debit=ledger.member_account(elder), credit=ledger.system_account(elder.node, AccountKind.ESCROW),
                amount=minutes, kind=TransferKind.REDEMPTION, actor=actor, subject=order,
                idempotency_key=f"supplier_order:{order.pk}:hold", memo=str(service_type),
                expires_at=starts_at + dt.timedelta(days=60))
            order.save(update_fields=["hold"])
        audit_record(actor=actor, action="supplier_order.booked", obj=order, node=elder.node,
                     changes={"supplier": supplier.pk, "payment": payment, "price_fen": offer.price_fen,
                              "coin_minutes": minutes})
        _tell(_members(supplier), _("New order #%(id)s: %(type)s") % {"id": order.pk, "type": service_type.name})
    return order


def _lock_order(actor, order: SupplierOrder) -> SupplierOrder:
    """Lock the supplier, then the order (the fixed order of every writer)."""
    found = selectors.orders_visible_to(actor).filter(pk=order.pk).values_list("supplier_id", flat=True).first() \
        if actor is not None else SupplierOrder.objects.filter(pk=order.pk).values_list("supplier_id", flat=True).first()
    if found is None:
        raise NotFound()
    _lock_supplier(found)
    return (SupplierOrder.objects.select_for_update(of=("self",))
            .select_related("supplier__bank", "service_type", "elder", "station", "hold", "demand").get(pk=order.pk))


def _supplier_side(actor, order: SupplierOrder) -> None:
    """The supplier's own staff, and only while it serves: a suspended (or removed) supplier's staff
    cannot act for it."""
    if order.supplier_id not in selectors.member_supplier_ids(actor):
        raise NotFound()
    if order.supplier.status not in SERVING_STATUSES:
        raise SupplierNotServing()


def _elder_side(actor, order: SupplierOrder) -> None:
    """The elder, a confirmed proxy, staff who may act for the elder, or station staff who confirm
    services on the elder's behalf. Seeing the order (suppliers.view, an auditor) never lets anyone
    cancel or confirm it."""
    if not can_act_for(actor, order.elder) and not has_perm(actor, Perm.DEMANDS_MANAGE, order.station):
        raise PermissionDenied()


def order_accept(*, actor: Person, order: SupplierOrder) -> SupplierOrder:
    with transaction.atomic():
        order = _lock_order(actor, order)
        _supplier_side(actor, order)
        if order.status != OrderStatus.BOOKED:
            raise InvalidTransition()
        if order.supplier.status == S.REMOVED:
            raise SupplierNotServing()
        order.status, order.accepted_at = OrderStatus.ACCEPTED, timezone.now()
        order.save(update_fields=["status", "accepted_at"])
        audit_record(actor=actor, action="supplier_order.accepted", obj=order, node=order.station)
    return order


def _release_hold(order: SupplierOrder, actor) -> None:
    if order.hold_id and order.demand_id is None:
        ledger.hold_void(hold=order.hold, actor=actor)


def order_decline(*, actor: Person, order: SupplierOrder, reason: str = "") -> SupplierOrder:
    with transaction.atomic():
        order = _lock_order(actor, order)
        _supplier_side(actor, order)
        if order.status != OrderStatus.BOOKED or order.demand_id:
            raise InvalidTransition()
        order.status, order.decline_reason = OrderStatus.DECLINED, _text(reason, 200)
        order.save(update_fields=["status", "decline_reason"])
        _release_hold(order, actor)
        audit_record(actor=actor, action="supplier_order.declined", obj=order, node=order.station,
                     changes={"reason": order.decline_reason})
    return order


def _void_settlement(order: SupplierOrder, reason: str) -> None:
    """A guaranteed order that will not be served owes the supplier nothing; a line already paid
    cannot be undone here (the caller refuses first)."""
    SettlementLine.objects.filter(order=order, paid_at__isnull=True, voided_at__isnull=True).update(
        voided_at=timezone.now(), void_reason=reason[:200])


def order_cancel(*, actor: Person, order: SupplierOrder, reason: str = "") -> SupplierOrder:
    """The elder's side or staff cancel before the service: held coins are released. A guaranteed
    order (保底) is cancelled with its request: the elder's redeemed coins come back through the
    ledger and the fund's settlement line is voided, in one transaction."""
    reason = _text(reason, 200)
    with transaction.atomic():
        order = _lock_order(actor, order)
        _elder_side(actor, order)
        if order.status not in (OrderStatus.BOOKED, OrderStatus.ACCEPTED):
            raise InvalidTransition()
        if order.demand_id:
            if order.starts_at <= timezone.now():
                raise InvalidTransition(_("This service has already started."), code="already_started")
            if SettlementLine.objects.filter(order=order, paid_at__isnull=False).exists():
                raise InvalidTransition(_("The supplier has already been paid for this order."),
                                        code="settlement_paid")
            demands.demand_release_by_supplier(demand_id=order.demand_id, actor=actor,
                                               reason=reason or str(_("Cancelled")))
            _void_settlement(order, reason or "cancelled")
        order.status, order.cancelled_at = OrderStatus.CANCELLED, timezone.now()
        order.save(update_fields=["status", "cancelled_at"])
        _release_hold(order, actor)
        audit_record(actor=actor, action="supplier_order.cancelled", obj=order, node=order.station,
                     changes={"reason": reason, "guaranteed": bool(order.demand_id)})
        _tell(_members(order.supplier), _("Order #%(id)s was cancelled.") % {"id": order.pk})
    return order


def orders_mark_missed(now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Worker: an order still booked or accepted the bank's number of hours after its start was
    missed. The elder's coins come back (hold released, or a guaranteed redemption corrected and
    its settlement voided) and the supplier's score drops once. Safe to run twice."""
    now = now or timezone.now()
    due = list(SupplierOrder.objects.filter(status__in=[OrderStatus.BOOKED, OrderStatus.ACCEPTED],
                                            starts_at__lte=now).order_by("starts_at", "id")
               .values_list("pk", flat=True)[:limit])
    count = 0
    for pk in due:
        with transaction.atomic():
            order = _lock_order(None, SupplierOrder(pk=pk))
            rules = selectors.supplier_rules_for(order.supplier.bank)
            if (order.status not in (OrderStatus.BOOKED, OrderStatus.ACCEPTED)
                    or order.starts_at + dt.timedelta(hours=rules.missed_after_hours) > now):
                continue
            before = order.status
            order.status, order.missed_at = OrderStatus.MISSED, now
            order.save(update_fields=["status", "missed_at"])
            _release_hold(order, None)
            if order.demand_id:
                demands.demand_release_by_supplier(demand_id=order.demand_id, missed=True,
                                                   reason=str(_("The supplier did not come.")))
                _void_settlement(order, "missed")
            audit_record(actor=None, action="supplier_order.missed", obj=order, node=order.station,
                         changes={"status": [before, OrderStatus.MISSED]})
            score_apply(supplier=order.supplier, reason=ScoreReason.MISSED, delta=rules.score_missed, link=order,
                        note=f"#{order.pk}")
            _tell([order.elder, order.booked_by], _("Order #%(id)s was not served; any coins paid are returned.") % {
                "id": order.pk})
            count += 1
    return count


def order_done(*, actor: Person, order: SupplierOrder) -> SupplierOrder:
    with transaction.atomic():
        order = _lock_order(actor, order)
        _supplier_side(actor, order)
        if order.status != OrderStatus.ACCEPTED:
            raise InvalidTransition()
        order.status, order.done_at = OrderStatus.DONE, timezone.now()
        order.save(update_fields=["status", "done_at"])
        audit_record(actor=actor, action="supplier_order.done", obj=order, node=order.station)
    return order


def order_confirm(*, actor: Person | None, order: SupplierOrder, rating: int | None = None,
                  comment: str = "") -> SupplierOrder:
    """The elder, a proxy or staff confirm and rate; coins held at booking are posted (redeemed).
    With no actor it is the worker confirming an order left unconfirmed (no rating)."""
    if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5):
        raise RatingInvalid()
    with transaction.atomic():
        order = _lock_order(actor, order)
        if actor is not None and order.supplier_id in selectors.member_supplier_ids(actor):
            raise PermissionDenied()
        if actor is not None:
            _elder_side(actor, order)
        if order.status != OrderStatus.DONE:
            raise InvalidTransition()
        if order.hold_id and order.demand_id is None:
            ledger.hold_post(hold=order.hold, credit=ledger.system_account(order.station, AccountKind.ISSUANCE),
                             actor=actor, idempotency_key=f"supplier_order:{order.pk}:post")
        order.status, order.confirmed_at, order.confirmed_by = OrderStatus.CONFIRMED, timezone.now(), actor
        order.rating, order.comment = rating, _text(comment, 500)
        order.save(update_fields=["status", "confirmed_at", "confirmed_by", "rating", "comment"])
        audit_record(actor=actor, action="supplier_order.confirmed", obj=order, node=order.station,
                     changes={"rating": rating})
        if order.demand_id:
            demands.demand_close_by_supplier(demand_id=order.demand_id, actor=actor)
        if rating is not None:
            rules = selectors.supplier_rules_for(order.supplier.bank)
            score_apply(supplier=order.supplier, reason=ScoreReason.RATING, delta=getattr(rules, f"score_rating_{rating}"),
                        link=order, actor=actor, note=f"{rating}★")
        rules = selectors.supplier_rules_for(order.supplier.bank)
        if order.done_at and order.done_at > order.starts_at + dt.timedelta(hours=rules.late_after_hours):
            score_apply(supplier=order.supplier, reason=ScoreReason.LATE, delta=rules.score_late, link=order,
                        actor=actor)
    return order


def orders_auto_confirm(now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Worker: orders recorded done and left unconfirmed for the bank's number of days (the same
    rule as volunteer services) confirm themselves, without a rating. Safe to run twice."""

    now = now or timezone.now()
    count = 0
    due = (SupplierOrder.objects.filter(status=OrderStatus.DONE, done_at__lte=now).select_related("bank")
           .order_by("done_at", "id")[:limit])
    for order in due:
        if order.done_at + dt.timedelta(days=DemandRules.in_force(order.bank).auto_confirm_days) > now:
            continue
        try:
            order_confirm(actor=None, order=order)
        except InvalidTransition:
            continue
        count += 1
    return count


# ---- guaranteed fulfilment (保底) ------------------------------------------------------------------

def guarantee_offers_make(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Worker: offer elder-paid requests still unclaimed within the bank's hours before their start
    to admitted suppliers serving that station and type, ranked cheapest then best score. Idempotent."""
    now = now or timezone.now()
    count = 0
    horizon = now + dt.timedelta(hours=168)
    candidates = (Demand.objects.filter(payer=Payer.ELDER, status=DemandStatus.PUBLISHED, claimed_count=0,
                                        starts_at__gt=now, starts_at__lte=horizon)
                  .exclude(guarantee_offers__isnull=False).select_related("bank", "station", "service_type")
                  .order_by("starts_at")[:limit])
    for demand in candidates:
        rules = selectors.supplier_rules_for(demand.bank)
        if demand.starts_at > now + dt.timedelta(hours=rules.guarantee_hours):
            continue
        offers = (SupplierOffer.objects.filter(service_type=demand.service_type, is_active=True, accepts_coins=True,
                                               supplier__status=S.ADMITTED, supplier__bank=demand.bank)
                  .select_related("supplier"))
        eligible = [o for o in offers if selectors.serves(o.supplier, demand.station)
                    and not o.supplier.licences.filter(expires_on__lt=timezone.localdate()).exists()]
        eligible.sort(key=lambda o: (o.price_fen, -selectors.current_score(o.supplier), o.supplier_id))
        with transaction.atomic():
            for rank, offer in enumerate(eligible, start=1):
                _offer, created = GuaranteeOffer.objects.get_or_create(
                    demand=demand, supplier=offer.supplier,
                    defaults={"offer": offer, "price_fen": offer.price_fen, "rank": rank})
                if created:
                    count += 1
                    _tell(_members(offer.supplier), _("A coin request needs a supplier: %(type)s at %(when)s") % {
                        "type": demand.service_type.name,
                        "when": timezone.localtime(demand.starts_at).strftime("%Y-%m-%d %H:%M")})
            if eligible:
                audit_record(actor=None, action="demand.offered_to_suppliers", obj=demand, node=demand.station,
                             changes={"suppliers": [o.supplier_id for o in eligible]})
    return count


def guarantee_accept(*, actor: Person, offer: GuaranteeOffer) -> SupplierOrder:
    """The first supplier to accept takes the request: the demand row is locked by the demands
    service, which redeems the elder's coins; the supplier is owed its price by the guarantee fund."""
    offer = GuaranteeOffer.objects.select_related("supplier", "demand", "offer").filter(pk=offer.pk).first()
    if offer is None or offer.supplier_id not in selectors.member_supplier_ids(actor):
        raise NotFound()
    if offer.status != GuaranteeOfferStatus.OFFERED:
        raise AlreadyTaken()
    with transaction.atomic():
        supplier = _lock_supplier(offer.supplier_id)
        if supplier.status != S.ADMITTED:
            raise SupplierNotServing()
        demand = offer.demand
        order = SupplierOrder.objects.create(
            bank_id=demand.bank_id, station=demand.station, supplier=supplier, offer=offer.offer,
            service_type=demand.service_type, elder=demand.elder, starts_at=demand.starts_at, address=demand.address,
            notes=demand.notes[:500], payment=Payment.COINS, price_fen=offer.price_fen,
            coin_minutes=demand.service_type.credit_for(demand.planned_minutes) or 1, status=OrderStatus.ACCEPTED,
            accepted_at=timezone.now(), booked_by=actor)
        try:
            with transaction.atomic():
                demands.demand_hand_to_supplier(demand_id=demand.pk, subject=order, actor=actor)
                order.demand = demand
                order.save(update_fields=["demand"])
        except (DemandFull, IntegrityError):
            raise AlreadyTaken() from None
        now = timezone.now()
        GuaranteeOffer.objects.filter(pk=offer.pk).update(status=GuaranteeOfferStatus.WON, decided_at=now)
        GuaranteeOffer.objects.filter(demand=demand, status=GuaranteeOfferStatus.OFFERED).update(
            status=GuaranteeOfferStatus.LOST, decided_at=now)
        SettlementLine.objects.create(bank_id=demand.bank_id, supplier=supplier, order=order,
                                      month=selectors.month_start(timezone.localdate()), amount_fen=offer.price_fen,
                                      coin_minutes=order.coin_minutes)
        audit_record(actor=actor, action="supplier.guarantee_taken", obj=order, node=demand.station,
                     changes={"demand": demand.pk, "price_fen": offer.price_fen})
    return order


def settlement_mark_paid(*, actor: Person, supplier: Supplier, month: dt.date) -> int:
    with transaction.atomic():
        supplier = _lock_supplier(supplier.pk)
        if not selectors.may_manage(actor, supplier):
            raise NotFound()
        count = SettlementLine.objects.filter(supplier=supplier, month=selectors.month_start(month),
                                              paid_at__isnull=True, voided_at__isnull=True).update(
            paid_at=timezone.now(), paid_by=actor)
        audit_record(actor=actor, action="supplier.settlement_paid", obj=supplier,
                     changes={"month": month.strftime("%Y-%m"), "lines": count})
    return count


EXIT_STATUSES = (S.SUSPENDED, S.REMOVED, S.WITHDRAWN)


def orders_release_for_inactive_suppliers(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Worker: the open orders of a supplier that was suspended, removed or withdrew are cancelled
    before their time (held coins released; a guaranteed order's redeemed coins come back), and the
    elder and their proxies are told, with the suppliers that can serve them instead. Each order in
    its own transaction; running it again changes nothing."""
    now = now or timezone.now()
    released = 0
    # An order the guarantee fund already paid the supplier for is left to staff (it is not refunded here).
    ids = list(SupplierOrder.objects.filter(status__in=(OrderStatus.BOOKED, OrderStatus.ACCEPTED),
                                            supplier__status__in=EXIT_STATUSES, starts_at__gt=now)
               .exclude(settlement_line__paid_at__isnull=False)
               .order_by("id").values_list("id", flat=True)[:limit])
    for order_id in ids:
        with transaction.atomic():
            order = _lock_order(None, SupplierOrder(pk=order_id))
            if order.status not in (OrderStatus.BOOKED, OrderStatus.ACCEPTED) or order.supplier.status not in \
                    EXIT_STATUSES or order.starts_at <= now:
                continue
            if SettlementLine.objects.filter(order=order, paid_at__isnull=False).exists():
                continue  # paid meanwhile: left to staff
            reason = str(_("The supplier stopped serving (%(status)s).") % {"status": S(order.supplier.status).label})
            if order.demand_id:
                demands.demand_release_by_supplier(demand_id=order.demand_id, actor=None, reason=reason)
                _void_settlement(order, "supplier inactive")
            order.status, order.cancelled_at = OrderStatus.CANCELLED, now
            order.save(update_fields=["status", "cancelled_at"])
            _release_hold(order, None)
            audit_record(actor=None, action="supplier_order.cancelled_supplier_inactive", obj=order, node=order.station,
                         changes={"supplier_status": order.supplier.status})
            _tell_elder_and_rebook(order)
            released += 1
    return released


def _tell_elder_and_rebook(order: SupplierOrder) -> None:
    """The elder and their proxies hear that the booking is off, their coins are back, and which
    suppliers offer the same service where they live."""
    others = [s.name for s in selectors.serving_suppliers_for([order.elder])
              if s.pk != order.supplier_id and any(o.service_type_id == order.service_type_id and o.is_active
                                                   for o in s.offers.all())][:3]
    text = _("%(supplier)s stopped serving: your booking of %(service)s on %(when)s is cancelled and any coins "
             "held for it are back.") % {"supplier": order.supplier.name, "service": order.service_type.name,
                                         "when": f"{timezone.localtime(order.starts_at):%m-%d %H:%M}"}
    if others:
        text = f"{text} " + _("You can book again with: %(names)s.") % {"names": "、".join(others)}
    people = [order.elder, *[link.proxy for link in order.elder.proxies.active().select_related("proxy")]]
    notice_send(people=people, kind=NoticeKind.CANCELLED, text=str(text)[:300], subject=("supplier_order", order.pk),
                link="/suppliers/orders/", label=order.service_type.name)
