"""Every write to suppliers, orders, guaranteed fulfilment, complaints, scores and meetings.
Each authorises, validates, locks, writes, audits — in that order, inside one transaction.
Coins move only through the ledger's services (orders) or the demands' (guaranteed fulfilment)."""
import datetime as dt
import io
import warnings
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.demands import services as demands
from timebank.demands.exceptions import DemandFull
from timebank.demands.models import Demand, DemandStatus, Payer, ServiceType
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind
from timebank.lib import credit_code as credit_codes
from timebank.lib.errors import InvalidInput, NotFound, PermissionDenied
from timebank.lib.mobile import is_valid_mobile, normalise_mobile
from timebank.lib.sms import sms_send
from timebank.orgs.exceptions import GrantExists
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm, Role
from timebank.orgs.selectors import has_perm
from timebank.orgs.services import role_grant
from timebank.people.access import access_elder
from timebank.people.models import Person
from timebank.people.selectors import can_act_for

from . import selectors
from .exceptions import (
    AlreadyTaken,
    AreaNotServed,
    CoinsNotAccepted,
    CreditCodeInvalid,
    CreditCodeTaken,
    ElderRequired,
    InvalidTransition,
    LicenceExpired,
    OfferMissing,
    PhotoTooLarge,
    PriceInvalid,
    RatingInvalid,
    ReasonRequired,
    SubjectRequired,
    SupplierNotServing,
    TimesInvalid,
    UploadInvalid,
)
from .models import (
    OPEN_COMPLAINT,
    Complaint,
    ComplaintCategory,
    ComplaintPhoto,
    ComplaintStatus,
    ComplaintStep,
    ComplaintSubject,
    GuaranteeOffer,
    GuaranteeOfferStatus,
    Licence,
    Meeting,
    MeetingDecision,
    OrderStatus,
    Payment,
    ScoreEvent,
    ScoreReason,
    SettlementLine,
    Severity,
    Supplier,
    SupplierMember,
    SupplierOffer,
    SupplierOrder,
    SupplierRules,
    SupplierScore,
    SupplierStatus,
    SupplierStatusChange,
)

S = SupplierStatus
TRANSITIONS: dict[str, set[str]] = {
    S.APPLIED: {S.REVIEWING, S.TRIAL, S.ADMITTED, S.REJECTED, S.WITHDRAWN},
    S.REVIEWING: {S.TRIAL, S.ADMITTED, S.REJECTED, S.WITHDRAWN},
    S.TRIAL: {S.ADMITTED, S.REJECTED, S.SUSPENDED, S.WITHDRAWN, S.REMOVED},
    S.ADMITTED: {S.SUSPENDED, S.WITHDRAWN, S.REMOVED},
    S.SUSPENDED: {S.ADMITTED, S.WITHDRAWN, S.REMOVED},
    S.REJECTED: set(), S.WITHDRAWN: set(), S.REMOVED: set(),
}
NEEDS_REASON = {S.REJECTED, S.SUSPENDED, S.REMOVED}
MAX_PRICE_FEN = 100_000_000
MAX_PHOTO_BYTES = 5 * 1024 * 1024
# 40 megapixels: any phone camera's full picture, and at most ~160 MB while it is decoded.
MAX_PHOTO_PIXELS = 40_000_000
PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
PHOTO_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
PHOTO_SAVE_OPTIONS = {"JPEG": {"quality": 88}, "PNG": {"optimize": True}, "WEBP": {"quality": 88}}
MAX_PHOTOS = 5


def _tell(people: Iterable[Person], text: str) -> None:
    """A short message to each person with a mobile, once the transaction has committed."""
    numbers = sorted({p.mobile for p in people if p is not None and p.mobile})
    if numbers:
        transaction.on_commit(lambda: [sms_send(n, str(text)) for n in numbers])


def _members(supplier: Supplier) -> list[Person]:
    return [m.person for m in SupplierMember.objects.filter(supplier=supplier, revoked_at__isnull=True)
            .select_related("person")]


def _lock_supplier(supplier_id: int) -> Supplier:
    supplier = Supplier.objects.select_for_update(of=("self",)).select_related("node", "bank").filter(
        pk=supplier_id).first()
    if supplier is None:
        raise NotFound()
    return supplier


def _text(value: str, max_length: int, *, required: bool = False, code: str = "text_invalid") -> str:
    value = (value or "").strip()
    if (required and not value) or len(value) > max_length:
        raise InvalidInput(_("Please fill this in (at most %(n)d characters).") % {"n": max_length}, code=code,
                           detail={"max_length": max_length})
    return value


# ---- register, admission and exit ---------------------------------------------------------------

def _check_areas(node: Node, areas: Iterable[Node]) -> list[Node]:
    areas = list(areas)
    for area in areas:
        if area.bank_id != node.bank_id or area.is_closed or area.kind not in (NodeKind.BRANCH, NodeKind.STATION,
                                                                               NodeKind.BANK):
            raise InvalidInput(_("A service area is a bank, branch or station of this bank."), code="area_invalid")
    return areas


def _check_licence(kind: str, number: str, expires_on: dt.date) -> tuple[str, str, dt.date]:
    kind = _text(kind, 60, required=True, code="licence_invalid")
    number = _text(number, 60, required=True, code="licence_invalid")
    if not isinstance(expires_on, dt.date):
        raise InvalidInput(_("Give the licence's expiry date."), code="licence_invalid")
    if expires_on < timezone.localdate():
        raise LicenceExpired(detail={"expires_on": expires_on.isoformat()})
    return kind, number, expires_on


def _check_price(price_fen) -> int:
    if isinstance(price_fen, bool) or not isinstance(price_fen, int) or not 0 < price_fen <= MAX_PRICE_FEN:
        raise PriceInvalid()
    return price_fen


def _check_phone(raw: str) -> str:
    """A mainland mobile, or a landline with its area code (e.g. 021-65432100)."""
    phone = normalise_mobile(raw) or ""
    if not (is_valid_mobile(phone) or (phone.isdigit() and phone.startswith("0") and 10 <= len(phone) <= 12)):
        raise InvalidInput(_("Give a mobile number or a landline with its area code."), code="contact_invalid")
    return phone


def supplier_register(*, actor: Person | None, node: Node, name: str, credit_code: str, contact_name: str,
                      contact_phone: str, address: str = "", areas: Iterable[Node] = (),
                      licences: Iterable[tuple[str, str, dt.date]] = (),
                      offers: Iterable[tuple[ServiceType, int, bool]] = (), application_note: str = "") -> Supplier:
    """A new supplier in status `applied`, entered by staff (or by the public form, actor None)."""
    if node is None or node.kind not in (NodeKind.BANK, NodeKind.BRANCH) or node.is_closed:
        raise InvalidInput(_("A supplier belongs to a bank or a branch."), code="node_invalid")
    if actor is not None and not has_perm(actor, Perm.SUPPLIERS_MANAGE, node):
        raise NotFound()
    name = _text(name, 100, required=True, code="name_invalid")
    try:
        code = credit_codes.parse(credit_code)
    except credit_codes.CreditCodeError as err:
        raise CreditCodeInvalid(str(err), detail={"reason": err.code}) from None
    contact_name = _text(contact_name, 50, required=True, code="contact_invalid")
    application_note = _text(application_note, 2000, code="note_invalid")
    phone = _check_phone(contact_phone)
    areas = _check_areas(node, areas or [node])
    licences = [_check_licence(*lic) for lic in licences]
    offers = [(st, _check_price(price), bool(coins)) for st, price, coins in offers]
    for st, _price, _coins in offers:
        if st.bank_id != node.bank_id:
            raise OfferMissing()
    with transaction.atomic():
        if Supplier.objects.filter(bank_id=node.bank_id, credit_code=code).exists():
            raise CreditCodeTaken()
        try:
            with transaction.atomic():
                supplier = Supplier.objects.create(bank_id=node.bank_id, node=node, name=name, credit_code=code,
                                                   contact_name=contact_name, contact_phone=phone,
                                                   address=_text(address, 200), created_by=actor,
                                                   application_note=application_note)
        except IntegrityError:
            raise CreditCodeTaken() from None
        supplier.areas.set(areas)
        for kind, number, expires_on in licences:
            Licence.objects.create(supplier=supplier, kind=kind, number=number, expires_on=expires_on)
        for st, price, coins in offers:
            SupplierOffer.objects.create(supplier=supplier, service_type=st, price_fen=price, accepts_coins=coins)
        SupplierStatusChange.objects.create(supplier=supplier, to_status=S.APPLIED, actor=actor)
        audit_record(actor=actor, action="supplier.applied" if actor is None else "supplier.registered",
                     obj=supplier, node=node, changes={"name": name, "credit_code": code})
    return supplier


def supplier_update(*, actor: Person, supplier: Supplier, **fields) -> Supplier:
    allowed = {"name", "contact_name", "contact_phone", "address", "areas"}
    if set(fields) - allowed:
        raise InvalidInput(detail={"fields": sorted(set(fields) - allowed)})
    with transaction.atomic():
        supplier = _lock_supplier(supplier.pk)
        if not selectors.may_manage(actor, supplier):
            raise NotFound()
        if supplier.status == S.REMOVED:
            raise InvalidTransition()
        changes = {}
        for key, limit in (("name", 100), ("contact_name", 50), ("address", 200)):
            if key in fields:
                value = _text(fields[key], limit, required=key != "address")
                changes[key] = [getattr(supplier, key), value]
                setattr(supplier, key, value)
        if "contact_phone" in fields:
            phone = _check_phone(fields["contact_phone"])
            changes["contact_phone"] = [supplier.contact_phone, phone]
            supplier.contact_phone = phone
        supplier.save()
        if "areas" in fields:
            areas = _check_areas(supplier.node, fields["areas"])
            changes["areas"] = [sorted(supplier.areas.values_list("pk", flat=True)), sorted(a.pk for a in areas)]
            supplier.areas.set(areas)
        audit_record(actor=actor, action="supplier.updated", obj=supplier, changes=changes)
    return supplier


def _move(supplier: Supplier, to: str, *, actor, reason: str = "") -> None:
    """Record one status change (the supplier row is locked by the caller)."""
    if to not in TRANSITIONS[supplier.status]:
        raise InvalidTransition(detail={"from": supplier.status, "to": to})
    reason = _text(reason, 300)
    if to in NEEDS_REASON and not reason:
        raise ReasonRequired()
    before = supplier.status
    supplier.status = to
    fields = ["status"]
    if to == S.TRIAL:
        supplier.trial_until = timezone.localdate() + dt.timedelta(days=selectors.supplier_rules_for(supplier.bank).trial_days)
        fields.append("trial_until")
    supplier.save(update_fields=fields)
    SupplierStatusChange.objects.create(supplier=supplier, from_status=before, to_status=to, reason=reason, actor=actor)
    audit_record(actor=actor, action=f"supplier.{to}", obj=supplier, changes={"status": [before, to], "reason": reason})
    _tell(_members(supplier), _("Your supplier status is now: %(status)s") % {"status": S(to).label})


def supplier_transition(*, actor: Person | None, supplier: Supplier, to: str, reason: str = "") -> Supplier:
    """Move a supplier along its admission / exit path. Admission needs licences in force;
    a supplier may withdraw by itself (its staff), everything else is the managers' call."""
    if to not in S.values:
        raise InvalidInput(_("Unknown status."), code="status_invalid")
    with transaction.atomic():
        supplier = _lock_supplier(supplier.pk)
        if actor is not None:
            own = supplier.pk in selectors.member_supplier_ids(actor)
            if not selectors.may_manage(actor, supplier) and not (own and to == S.WITHDRAWN):
                if selectors.suppliers_visible_to(actor).filter(pk=supplier.pk).exists():
                    raise PermissionDenied()
                raise NotFound()
        if to in (S.TRIAL, S.ADMITTED):
            expired = supplier.licences.filter(expires_on__lt=timezone.localdate()).first()
            if expired is not None:
                raise LicenceExpired(detail={"licence": expired.pk, "expires_on": expired.expires_on.isoformat()})
        _move(supplier, to, actor=actor, reason=reason)
    return supplier


def supplier_admit(*, actor, supplier: Supplier, trial: bool = False, reason: str = "") -> Supplier:
    return supplier_transition(actor=actor, supplier=supplier, to=S.TRIAL if trial else S.ADMITTED, reason=reason)


def licence_add(*, actor: Person, supplier: Supplier, kind: str, number: str, expires_on: dt.date) -> Licence:
    kind, number, expires_on = _check_licence(kind, number, expires_on)
    with transaction.atomic():
        supplier = _lock_supplier(supplier.pk)
        if not selectors.may_manage(actor, supplier):
            raise NotFound()
        licence = Licence.objects.create(supplier=supplier, kind=kind, number=number, expires_on=expires_on)
        audit_record(actor=actor, action="supplier.licence_added", obj=supplier,
                     changes={"kind": kind, "number": number, "expires_on": expires_on.isoformat()})
    return licence


def offer_set(*, actor: Person, supplier: Supplier, service_type: ServiceType, price_fen: int,
              accepts_coins: bool = True) -> SupplierOffer:
    """Offer a service type at a price (a new price replaces the old offer; old orders keep theirs)."""
    price_fen = _check_price(price_fen)
    with transaction.atomic():
        supplier = _lock_supplier(supplier.pk)
        if not selectors.may_manage(actor, supplier):
            raise NotFound()
        if service_type.bank_id != supplier.bank_id:
            raise OfferMissing()
        SupplierOffer.objects.filter(supplier=supplier, service_type=service_type, is_active=True).update(is_active=False)
        offer = SupplierOffer.objects.create(supplier=supplier, service_type=service_type, price_fen=price_fen,
                                             accepts_coins=bool(accepts_coins))
        audit_record(actor=actor, action="supplier.offer_set", obj=supplier,
                     changes={"service_type": service_type.code, "price_fen": price_fen, "coins": accepts_coins})
    return offer


def supplier_member_add(*, actor: Person, supplier: Supplier, person: Person) -> SupplierMember:
    """Give a person the `supplier` role at the supplier's node and tie them to this supplier."""
    with transaction.atomic():
        supplier = _lock_supplier(supplier.pk)
        if not selectors.may_manage(actor, supplier):
            raise NotFound()
        if person.bank_id != supplier.bank_id:
            raise InvalidInput(_("This person belongs to another bank."), code="person_other_bank")
        member = SupplierMember.objects.filter(supplier=supplier, person=person, revoked_at__isnull=True).first()
        if member is None:
            member = SupplierMember.objects.create(supplier=supplier, person=person)
        try:
            with transaction.atomic():
                role_grant(actor=actor, person=person, role=Role.SUPPLIER, node=supplier.node)
        except GrantExists:
            pass
        audit_record(actor=actor, action="supplier.member_added", obj=supplier, changes={"person": person.pk})
    person.__dict__.pop("_supplier_ids", None)
    return member


def supplier_rules_set(*, actor: Person, bank: Node, **values) -> SupplierRules:
    """Put new supplier rules in force now; earlier rows stay as history."""
    fields = {f.name for f in SupplierRules._meta.get_fields()} - {"id", "bank", "effective_from", "created_by",
                                                                   "created_at"}
    if set(values) - fields:
        raise InvalidInput(detail={"fields": sorted(set(values) - fields)})
    if bank.kind != NodeKind.BANK or not has_perm(actor, Perm.RULES_MANAGE, bank):
        raise NotFound()
    with transaction.atomic():
        current = selectors.supplier_rules_for(bank)
        new = SupplierRules(bank=bank, created_by=actor)
        for name in fields:
            setattr(new, name, values[name] if values.get(name) is not None else getattr(current, name))
        if not new.warn_below >= new.suspend_below >= new.exit_below:
            raise InvalidInput(_("Thresholds go down: warn ≥ suspend ≥ propose exit."), code="thresholds_invalid")
        new.save()
        audit_record(actor=actor, action="supplier_rules.changed", obj=new, node=bank, bank=bank,
                     changes={k: getattr(new, k) for k in fields if getattr(new, k) != getattr(current, k)})
    return new


def licences_check(today: dt.date | None = None) -> dict[str, int]:
    """Worker: suspend serving suppliers whose licence expired; warn once N days ahead. Idempotent."""
    today = today or timezone.localdate()
    suspended = warned = 0
    expired_ids = set(Licence.objects.filter(expires_on__lt=today, supplier__status__in=[S.TRIAL, S.ADMITTED])
                      .values_list("supplier_id", flat=True))
    for supplier_id in sorted(expired_ids):
        with transaction.atomic():
            supplier = _lock_supplier(supplier_id)
            licence = supplier.licences.filter(expires_on__lt=today).first()
            if supplier.status in (S.TRIAL, S.ADMITTED) and licence is not None:
                _move(supplier, S.SUSPENDED, actor=None,
                      reason=str(_("Licence %(number)s expired on %(day)s") % {
                          "number": licence.number, "day": licence.expires_on.isoformat()}))
                suspended += 1
    for licence in Licence.objects.filter(warned_at__isnull=True, expires_on__gte=today,
                                          supplier__status__in=[S.TRIAL, S.ADMITTED, S.SUSPENDED]).select_related(
            "supplier__bank"):
        days = selectors.supplier_rules_for(licence.supplier.bank).licence_warn_days
        if licence.expires_on > today + dt.timedelta(days=days):
            continue
        with transaction.atomic():
            if Licence.objects.filter(pk=licence.pk, warned_at__isnull=True).update(warned_at=timezone.now()):
                audit_record(actor=None, action="supplier.licence_expiring", obj=licence.supplier,
                             changes={"licence": licence.pk, "expires_on": licence.expires_on.isoformat()})
                _tell(_members(licence.supplier), _("Licence %(number)s expires on %(day)s; please renew it.") % {
                    "number": licence.number, "day": licence.expires_on.isoformat()})
                warned += 1
    return {"suspended": suspended, "warned": warned}


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
    if order.supplier_id not in selectors.member_supplier_ids(actor):
        raise NotFound()


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
    from timebank.orgs.selectors import rules_for

    now = now or timezone.now()
    count = 0
    due = (SupplierOrder.objects.filter(status=OrderStatus.DONE, done_at__lte=now).select_related("bank")
           .order_by("done_at", "id")[:limit])
    for order in due:
        if order.done_at + dt.timedelta(days=rules_for(order.bank).auto_confirm_days) > now:
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


# ---- scores -------------------------------------------------------------------------------------

def score_apply(*, supplier: Supplier, reason: str, delta: int, link=None, actor=None, note: str = "") -> int:
    """Move this year's score (once per reason and linked record) and act on the thresholds
    crossed: warn, suspend (no new orders), propose exit to a bank admin."""
    year = timezone.localdate().year
    rules = selectors.supplier_rules_for(supplier.bank)
    link_type, link_id = (link._meta.label_lower, str(link.pk)) if link is not None else ("", "")
    with transaction.atomic():
        score, _created = SupplierScore.objects.get_or_create(supplier=supplier, year=year,
                                                              defaults={"value": rules.score_start})
        score = SupplierScore.objects.select_for_update().get(pk=score.pk)
        if link_id and ScoreEvent.objects.filter(reason=reason, link_type=link_type, link_id=link_id).exists():
            return score.value
        before = score.value
        score.value = before + delta
        score.save(update_fields=["value"])
        ScoreEvent.objects.create(score=score, reason=reason, delta=delta, value_after=score.value,
                                  note=_text(note, 300), link_type=link_type, link_id=link_id,
                                  actor=actor if getattr(actor, "pk", None) else None)
        audit_record(actor=actor, action="supplier.score_changed", obj=supplier,
                     changes={"score": [before, score.value], "reason": reason})
        _thresholds(supplier, before, score.value, rules)
    return score.value


def _thresholds(supplier: Supplier, before: int, after: int, rules: SupplierRules) -> None:
    supplier = _lock_supplier(supplier.pk)
    if before >= rules.warn_below > after:
        audit_record(actor=None, action="supplier.score_warning", obj=supplier, changes={"score": after})
        _tell(_members(supplier), _("Warning: your supplier score is %(score)s.") % {"score": after})
    if before >= rules.suspend_below > after and supplier.status in (S.TRIAL, S.ADMITTED):
        _move(supplier, S.SUSPENDED, actor=None,
              reason=str(_("Score %(score)s is below %(limit)s") % {"score": after, "limit": rules.suspend_below}))
    if before >= rules.exit_below > after and supplier.exit_proposed_at is None and supplier.status != S.REMOVED:
        supplier.exit_proposed_at = timezone.now()
        supplier.save(update_fields=["exit_proposed_at"])
        audit_record(actor=None, action="supplier.exit_proposed", obj=supplier, changes={"score": after})


def commendation_add(*, actor: Person, supplier: Supplier, note: str) -> int:
    if not selectors.may_manage(actor, supplier):
        raise NotFound()
    note = _text(note, 300, required=True, code="reason_required")
    return score_apply(supplier=supplier, reason=ScoreReason.COMMENDATION,
                       delta=selectors.supplier_rules_for(supplier.bank).score_commendation, actor=actor, note=note)


# ---- complaints ---------------------------------------------------------------------------------

def _add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    local = timezone.localtime(start)
    while days > 0:
        local += dt.timedelta(days=1)
        if local.weekday() < 5:
            days -= 1
    return local


def _photo_checked(upload) -> tuple[ContentFile, str]:
    """The photo re-encoded from its pixels (no EXIF, GPS position or comments kept; turned upright first) and
    its content type. Its size in pixels is read from the header before anything is decoded: a picture over
    MAX_PHOTO_PIXELS is refused however small its file (a 20000 × 20000 PNG compresses to a few hundred KB)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    name = getattr(upload, "name", "") or "photo"
    size = getattr(upload, "size", None) or 0
    if size <= 0 or size > MAX_PHOTO_BYTES:
        raise UploadInvalid(detail={"name": name, "size": size})
    try:
        upload.seek(0)
        with warnings.catch_warnings():  # Pillow warns past 89 MP; the cap below is lower and refuses
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(upload)
        with image:
            kind = image.format
            pixels = image.width * image.height
            if pixels > MAX_PHOTO_PIXELS:
                raise PhotoTooLarge(detail={"name": name, "width": image.width, "height": image.height,
                                            "max_pixels": MAX_PHOTO_PIXELS})
            if kind not in PHOTO_TYPES:
                raise UploadInvalid(detail={"name": name, "format": kind})
            picture = ImageOps.exif_transpose(image)  # decodes; the pixels alone go on
            if kind == "JPEG" and picture.mode not in ("RGB", "L"):
                picture = picture.convert("RGB")
            # Only the pixels (and the colour profile) go on: no EXIF (camera, GPS position), comments or text.
            icc_profile = picture.info.get("icc_profile")
            picture.info = {}
            out = io.BytesIO()
            picture.save(out, kind, exif=b"", **({"icc_profile": icc_profile} if icc_profile else {}),
                         **PHOTO_SAVE_OPTIONS[kind])
    except Image.DecompressionBombError:
        raise PhotoTooLarge(detail={"name": name, "max_pixels": MAX_PHOTO_PIXELS}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UploadInvalid(detail={"name": name}) from None
    finally:
        upload.seek(0)
    stem = name.rsplit(".", 1)[0][:80] or "photo"
    return ContentFile(out.getvalue(), name=f"{stem}.{PHOTO_EXTENSIONS[kind]}"), PHOTO_TYPES[kind]


def complaint_file(*, actor: Person, subject: str, category: str, text: str, complainant: Person | None = None,
                   supplier: Supplier | None = None, volunteer: Person | None = None, assignment=None,
                   order: SupplierOrder | None = None, severity: str = Severity.MINOR,
                   photos: Iterable = ()) -> Complaint:
    """An elder, proxy, volunteer or staff member complains about a supplier, a volunteer or a
    service record they can see. The station where it happened owns it first. Staff reach counts
    through complaints.handle: an auditor who reads every order and record files no complaint about
    them (a complaint can end in a suspension or a coin correction)."""
    from timebank.demands.selectors import acts_for_demand, demands_visible_to

    complainant = complainant or actor
    if complainant.pk != actor.pk and not can_act_for(actor, complainant):
        raise NotFound()
    if subject not in ComplaintSubject.values:
        raise SubjectRequired()
    if category not in ComplaintCategory.values:
        raise InvalidInput(_("Choose a category."), code="category_invalid")
    if severity not in Severity.values:
        raise InvalidInput(_("Choose a severity."), code="severity_invalid")
    text = _text(text, 2000, required=True, code="text_required")
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        raise UploadInvalid(_("At most %(n)d photos.") % {"n": MAX_PHOTOS}, detail={"max": MAX_PHOTOS})
    checked = [_photo_checked(p) for p in photos]
    node = None
    if subject == ComplaintSubject.SUPPLIER:
        if order is not None:
            if not selectors.orders_visible_to(actor, Perm.COMPLAINTS_HANDLE).filter(pk=order.pk).exists():
                raise NotFound()
            supplier, node = order.supplier, order.station
        if supplier is None:
            raise SubjectRequired()
        if node is None:
            if not (selectors.suppliers_visible_to(actor, Perm.COMPLAINTS_HANDLE).filter(pk=supplier.pk).exists()
                    or selectors.orders_visible_to(actor, Perm.COMPLAINTS_HANDLE).filter(supplier=supplier).exists()
                    or (complainant.node is not None and selectors.serves(supplier, complainant.node))):
                raise NotFound()
            node = complainant.node if complainant.node and complainant.bank_id == supplier.bank_id else supplier.node
    elif subject == ComplaintSubject.RECORD:
        if assignment is None:
            raise SubjectRequired()
        if not demands_visible_to(actor).filter(pk=assignment.demand_id).exists():
            raise NotFound()
        if not (assignment.volunteer_id == actor.pk or acts_for_demand(actor, assignment.demand)
                or has_perm(actor, Perm.COMPLAINTS_HANDLE, assignment.demand.station)):
            raise PermissionDenied()
        volunteer, node = assignment.volunteer, assignment.demand.station
    else:
        if volunteer is None or not volunteer.is_volunteer:
            raise SubjectRequired()
        if volunteer.bank_id != complainant.bank_id:
            raise NotFound()
        node = complainant.node or volunteer.node
    if node is None:
        raise SubjectRequired()
    rules = selectors.supplier_rules_for(node.bank)
    now = timezone.now()
    with transaction.atomic():
        complaint = Complaint.objects.create(
            bank_id=node.bank_id, node=node, owner_node=node, complainant=complainant, filed_by=actor,
            subject=subject, supplier=supplier, volunteer=volunteer, assignment=assignment, order=order,
            category=category, severity=severity, text=text,
            due_at=_add_working_days(now, rules.ack_working_days))
        for photo, content_type in checked:
            ComplaintPhoto.objects.create(complaint=complaint, image=photo, content_type=content_type, size=photo.size)
        _step(complaint, "filed", actor)
        audit_record(actor=actor, action="complaint.filed", obj=complaint, node=node,
                     changes={"subject": subject, "category": category, "supplier": supplier.pk if supplier else None})
    return complaint


def _step(complaint: Complaint, action: str, actor, note: str = "") -> None:
    ComplaintStep.objects.create(complaint=complaint, action=action, to_status=complaint.status,
                                 owner_node=complaint.owner_node, due_at=complaint.due_at, note=note[:500],
                                 actor=actor if getattr(actor, "pk", None) else None)


def _lock_complaint(actor, complaint: Complaint) -> Complaint:
    complaint = (Complaint.objects.select_for_update(of=("self",)).select_related("owner_node", "bank", "supplier")
                 .filter(pk=complaint.pk).first())
    if complaint is None:
        raise NotFound()
    if not has_perm(actor, Perm.COMPLAINTS_HANDLE, complaint.owner_node) and not has_perm(
            actor, Perm.COMPLAINTS_HANDLE, complaint.node):
        if selectors.complaints_visible_to(actor).filter(pk=complaint.pk).exists():
            raise PermissionDenied()
        raise NotFound()
    return complaint


def complaint_accept(*, actor: Person, complaint: Complaint, note: str = "") -> Complaint:
    """Acknowledge: the handler takes ownership; the resolve deadline starts."""
    with transaction.atomic():
        complaint = _lock_complaint(actor, complaint)
        if complaint.status != ComplaintStatus.RECEIVED:
            raise InvalidTransition()
        rules = selectors.supplier_rules_for(complaint.bank)
        complaint.status, complaint.owner, complaint.accepted_at = ComplaintStatus.ACCEPTED, actor, timezone.now()
        complaint.due_at = timezone.now() + dt.timedelta(days=rules.resolve_days)
        complaint.save(update_fields=["status", "owner", "accepted_at", "due_at"])
        _step(complaint, "accepted", actor, _text(note, 500))
        audit_record(actor=actor, action="complaint.accepted", obj=complaint)
    return complaint


def complaint_reject(*, actor: Person, complaint: Complaint, reason: str) -> Complaint:
    reason = _text(reason, 300)
    if not reason:
        raise ReasonRequired()
    with transaction.atomic():
        complaint = _lock_complaint(actor, complaint)
        if complaint.status != ComplaintStatus.RECEIVED:
            raise InvalidTransition()
        complaint.status, complaint.owner, complaint.reject_reason = ComplaintStatus.REJECTED, actor, reason
        complaint.resolved_at = timezone.now()
        complaint.save(update_fields=["status", "owner", "reject_reason", "resolved_at"])
        _step(complaint, "rejected", actor, reason)
        audit_record(actor=actor, action="complaint.rejected", obj=complaint, changes={"reason": reason})
        _tell([complaint.complainant], _("Your complaint #%(id)s was not accepted: %(reason)s") % {
            "id": complaint.pk, "reason": reason})
    return complaint


def complaint_investigate(*, actor: Person, complaint: Complaint, note: str = "") -> Complaint:
    with transaction.atomic():
        complaint = _lock_complaint(actor, complaint)
        if complaint.status != ComplaintStatus.ACCEPTED:
            raise InvalidTransition()
        complaint.status, complaint.owner = ComplaintStatus.INVESTIGATING, actor
        complaint.save(update_fields=["status", "owner"])
        _step(complaint, "investigating", actor, _text(note, 500))
        audit_record(actor=actor, action="complaint.investigating", obj=complaint)
    return complaint


def complaint_resolve(*, actor: Person, complaint: Complaint, outcome: str, upheld: bool,
                      severity: str | None = None, suspend_volunteer: bool = False,
                      correct_transfer_id: int | None = None, correct_minutes: int | None = None) -> Complaint:
    """Close with an outcome. An upheld complaint about a supplier moves its score by severity; an
    upheld one may also suspend the volunteer (through the people service) and correct one of the
    coin movements it is about (a correction request through the ledger service). All or nothing."""
    outcome = _text(outcome, 2000, required=True, code="outcome_required")
    if severity is not None and severity not in Severity.values:
        raise InvalidInput(_("Choose a severity."), code="severity_invalid")
    if (suspend_volunteer or correct_transfer_id) and not upheld:
        raise InvalidInput(_("Only an upheld complaint can suspend a volunteer or correct coins."),
                           code="outcome_needs_upheld")
    with transaction.atomic():
        complaint = _lock_complaint(actor, complaint)
        if complaint.status not in (ComplaintStatus.ACCEPTED, ComplaintStatus.INVESTIGATING):
            raise InvalidTransition()
        complaint.status, complaint.outcome, complaint.upheld = ComplaintStatus.RESOLVED, outcome, bool(upheld)
        complaint.severity = severity or complaint.severity
        complaint.resolved_at, complaint.owner = timezone.now(), actor
        if suspend_volunteer:
            _suspend_volunteer(actor, complaint)
        if correct_transfer_id:
            _correct_coins(actor, complaint, correct_transfer_id, correct_minutes, outcome)
        complaint.save(update_fields=["status", "outcome", "upheld", "severity", "resolved_at", "owner",
                                      "volunteer_suspended", "correction"])
        _step(complaint, "resolved", actor, outcome)
        audit_record(actor=actor, action="complaint.resolved", obj=complaint,
                     changes={"upheld": bool(upheld), "severity": complaint.severity,
                              "volunteer_suspended": complaint.volunteer_suspended,
                              "correction": complaint.correction_id})
        if upheld and complaint.supplier_id:
            rules = selectors.supplier_rules_for(complaint.bank)
            score_apply(supplier=complaint.supplier, reason=ScoreReason.COMPLAINT,
                        delta=getattr(rules, f"score_complaint_{complaint.severity}"), link=complaint, actor=actor,
                        note=outcome[:300])
        _tell([complaint.complainant], _("Your complaint #%(id)s is resolved.") % {"id": complaint.pk})
    return complaint


def _suspend_volunteer(actor: Person, complaint: Complaint) -> None:
    from timebank.people.models import PersonStatus
    from timebank.people.services import person_update

    if not complaint.volunteer_id:
        raise InvalidInput(_("This complaint is not about a volunteer."), code="no_volunteer")
    volunteer = complaint.volunteer
    if volunteer.status != PersonStatus.SUSPENDED:
        try:
            person_update(actor=actor, person=volunteer, status=PersonStatus.SUSPENDED)
        except (NotFound, PermissionDenied):
            raise PermissionDenied(_("You may not suspend this volunteer."), code="suspend_not_allowed") from None
    complaint.volunteer_suspended = True
    audit_record(actor=actor, action="complaint.volunteer_suspended", obj=complaint,
                 changes={"volunteer": volunteer.pk})


def _correct_coins(actor: Person, complaint: Complaint, transfer_id, minutes, outcome: str) -> None:
    original = selectors.complaint_transfers(complaint).filter(pk=transfer_id).first() if str(
        transfer_id).isdigit() else None
    if original is None:
        raise InvalidInput(_("Choose one of the coin movements this complaint is about."),
                           code="correction_transfer_invalid")
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0):
        raise InvalidInput(_("Give the minutes to correct as a whole positive number."), code="amount_invalid")
    try:
        request = ledger.correction_request(actor=actor, original=original, amount=minutes,
                                            reason=f"#{complaint.pk} {outcome}"[:200])
    except NotFound:
        raise PermissionDenied(_("You may not correct coins here."), code="correction_not_allowed") from None
    complaint.correction = request
    audit_record(actor=actor, action="complaint.correction_requested", obj=complaint,
                 changes={"transfer": original.pk, "minutes": request.amount, "correction": request.pk})


def complaints_escalate(now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Worker: an open complaint past its step's deadline moves to the next node up, with a new
    deadline of the same length. Running it twice at the same moment changes nothing more."""
    now = now or timezone.now()
    count = 0
    due = list(Complaint.objects.filter(status__in=OPEN_COMPLAINT, due_at__lte=now).order_by("id")
               .values_list("pk", flat=True)[:limit])
    for pk in due:
        with transaction.atomic():
            complaint = (Complaint.objects.select_for_update(of=("self",)).select_related("owner_node__parent", "bank")
                         .get(pk=pk))
            if complaint.status not in OPEN_COMPLAINT or complaint.due_at > now:
                continue
            rules = selectors.supplier_rules_for(complaint.bank)
            parent = complaint.owner_node.parent
            if complaint.owner_node.kind != NodeKind.BANK and parent is not None:
                complaint.owner_node = parent
            if complaint.status == ComplaintStatus.RECEIVED:
                complaint.due_at = _add_working_days(now, rules.ack_working_days)
            else:
                complaint.due_at = now + dt.timedelta(days=rules.resolve_days)
            complaint.escalations += 1
            complaint.save(update_fields=["owner_node", "due_at", "escalations"])
            _step(complaint, "escalated", None)
            audit_record(actor=None, action="complaint.escalated", obj=complaint, node=complaint.owner_node,
                         changes={"owner_node": complaint.owner_node_id})
            count += 1
    return count


# ---- joint meetings -----------------------------------------------------------------------------

def meeting_record(*, actor: Person, node: Node, held_on: dt.date, title: str, attendees: str, minutes: str,
                   suppliers: Iterable[Supplier] = (), decisions: Iterable[tuple[str, str, dt.date | None]] = ()
                   ) -> Meeting:
    if not has_perm(actor, Perm.SUPPLIERS_MANAGE, node):
        raise NotFound()
    suppliers = list(suppliers)
    visible = set(selectors.suppliers_visible_to(actor).values_list("pk", flat=True))
    if any(s.pk not in visible for s in suppliers):
        raise NotFound()
    with transaction.atomic():
        meeting = Meeting.objects.create(bank_id=node.bank_id, node=node, held_on=held_on,
                                         title=_text(title, 100, required=True),
                                         attendees=_text(attendees, 2000, required=True),
                                         minutes=_text(minutes, 20000, required=True), created_by=actor)
        meeting.suppliers.set(suppliers)
        for text, owner, due_on in decisions:
            MeetingDecision.objects.create(meeting=meeting, text=_text(text, 300, required=True),
                                           owner=_text(owner, 100, required=True), due_on=due_on)
        audit_record(actor=actor, action="supplier.meeting_recorded", obj=meeting, node=node)
    return meeting
