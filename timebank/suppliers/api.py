"""Supplier, order, settlement, guaranteed-fulfilment, meeting and supplier-rules endpoints.
Booking and confirming an order accept `Idempotency-Key`: the same key returns the first answer and
changes nothing."""
import datetime as dt

from django.db import transaction
from django.utils import timezone
from ninja import Header, Router, Status
from ninja.pagination import paginate

from timebank.audit.idempotency import run_idempotent
from timebank.demands.models import ServiceType
from timebank.lib.errors import NotFound
from timebank.lib.pagination import Pages
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import nodes_visible_to
from timebank.people.access import access_elder
from timebank.people.selectors import person_get

from . import selectors, services
from .models import GuaranteeOffer, SupplierOrder
from .schemas import (
    AdmitIn,
    GuaranteeOfferOut,
    MeetingIn,
    MeetingOut,
    Month,
    OrderConfirmIn,
    OrderIn,
    OrderOut,
    ReasonIn,
    ScoreOut,
    SettlementOut,
    SettlementPaidIn,
    SettlementPaidOut,
    StaffAdminIn,
    StaffIn,
    StaffOut,
    SupplierIn,
    SupplierOut,
    SupplierPatch,
    SupplierRulesChange,
    SupplierRulesOut,
)

router = Router(tags=["suppliers"])
IdempotencyKey = Header(None, alias="Idempotency-Key", max_length=100)


def _nodes(bank_id: int, ids: list[int]) -> list[Node]:
    nodes = list(Node.objects.filter(pk__in=ids, bank_id=bank_id))
    if len(nodes) != len(set(ids)):
        raise NotFound()
    return nodes


def _service_type(bank_id: int, type_id: int) -> ServiceType:
    found = ServiceType.objects.filter(pk=type_id, bank_id=bank_id).first()
    if found is None:
        raise NotFound()
    return found


@router.get("/suppliers", response=list[SupplierOut], summary="Suppliers you may see (filter by status, type)")
@paginate(Pages)
def supplier_list(request, status: str = "", q: str = "", type: str = ""):
    return selectors.supplier_search(request.auth, query=q, status=status, service_type=type).prefetch_related(
        "areas", "licences")


@router.post("/suppliers", response={201: SupplierOut}, summary="Register a supplier (bank or branch admin)")
def supplier_create(request, payload: SupplierIn):
    node = Node.objects.filter(pk=payload.node_id).first()
    if node is None:
        raise NotFound()
    supplier = services.supplier_register(
        actor=request.auth, node=node, name=payload.name, credit_code=payload.credit_code,
        contact_name=payload.contact_name, contact_phone=payload.contact_phone, address=payload.address,
        areas=_nodes(node.bank_id, payload.area_ids),
        licences=[(lic.kind, lic.number, lic.expires_on) for lic in payload.licences],
        offers=[(_service_type(node.bank_id, o.service_type_id), o.price_fen, o.accepts_coins) for o in payload.offers])
    return Status(201, supplier)


@router.get("/suppliers/{supplier_id}", response=SupplierOut)
def supplier_detail(request, supplier_id: int):
    return selectors.supplier_get(request.auth, supplier_id)


@router.patch("/suppliers/{supplier_id}", response=SupplierOut)
def supplier_patch(request, supplier_id: int, payload: SupplierPatch):
    supplier = selectors.supplier_get(request.auth, supplier_id)
    fields = payload.dict(exclude_unset=True)
    if "area_ids" in fields:
        fields["areas"] = _nodes(supplier.bank_id, fields.pop("area_ids") or [])
    return services.supplier_update(actor=request.auth, supplier=supplier, **fields)


@router.post("/suppliers/{supplier_id}/admit", response=SupplierOut, summary="Admit (or start the trial period)")
def supplier_admit(request, supplier_id: int, payload: AdmitIn | None = None):
    payload = payload or AdmitIn()
    supplier = selectors.supplier_get(request.auth, supplier_id)
    return services.supplier_admit(actor=request.auth, supplier=supplier, trial=payload.trial, reason=payload.reason)


@router.post("/suppliers/{supplier_id}/suspend", response=SupplierOut, summary="Suspend with a reason")
def supplier_suspend(request, supplier_id: int, payload: ReasonIn):
    supplier = selectors.supplier_get(request.auth, supplier_id)
    return services.supplier_transition(actor=request.auth, supplier=supplier, to="suspended", reason=payload.reason)


@router.post("/suppliers/{supplier_id}/remove", response=SupplierOut, summary="Remove for good, with a reason")
def supplier_remove(request, supplier_id: int, payload: ReasonIn):
    supplier = selectors.supplier_get(request.auth, supplier_id)
    return services.supplier_transition(actor=request.auth, supplier=supplier, to="removed", reason=payload.reason)


@router.post("/suppliers/{supplier_id}/staff", response={201: StaffOut},
             summary="Add a staff member: an existing person (person_id) or a new one (name, mobile, ID number, "
                     "station, initial password, consent); suppliers.manage")
def supplier_staff_add(request, supplier_id: int, payload: StaffIn):
    supplier = selectors.supplier_get(request.auth, supplier_id)
    if payload.person_id is not None:
        person = person_get(request.auth, payload.person_id)
        member = services.supplier_member_add(actor=request.auth, supplier=supplier, person=person)
    else:
        member = services.supplier_staff_register(
            actor=request.auth, supplier=supplier, station=payload.station_id, name=payload.name,
            mobile=payload.mobile, id_number=payload.id_number, password=payload.password, consent=payload.consent)
    return Status(201, member)


@router.delete("/suppliers/{supplier_id}/staff/{person_id}", response={204: None},
               summary="Remove a staff member: their access to the supplier ends; suppliers.manage")
def supplier_staff_remove(request, supplier_id: int, person_id: int):
    supplier = selectors.supplier_get(request.auth, supplier_id)
    member = supplier.members.filter(revoked_at__isnull=True, person_id=person_id).select_related("person").first()
    if member is None:
        raise NotFound()
    services.supplier_member_remove(actor=request.auth, supplier=supplier, person=member.person)
    return Status(204, None)


@router.put("/suppliers/{supplier_id}/staff/{person_id}/admin", response=StaffOut,
            summary="Make a staff member the supplier's own admin (who then registers and removes its other "
                    "staff), or take it back; suppliers.manage")
def supplier_staff_admin(request, supplier_id: int, person_id: int, payload: StaffAdminIn):
    supplier = selectors.supplier_get(request.auth, supplier_id)
    member = supplier.members.filter(revoked_at__isnull=True, person_id=person_id).select_related("person").first()
    if member is None:
        raise NotFound()
    return services.supplier_admin_set(actor=request.auth, supplier=supplier, person=member.person,
                                       is_admin=payload.is_admin)


@router.get("/suppliers/{supplier_id}/score", response=ScoreOut, summary="This year's score and its history")
def supplier_score(request, supplier_id: int, year: int | None = None):
    supplier = selectors.supplier_get(request.auth, supplier_id)
    from django.utils import timezone

    year = year or timezone.localdate().year
    value, events = selectors.score_history(supplier, year)
    return {"supplier_id": supplier.pk, "year": year, "value": value, "history": events}


@router.get("/supplier-orders", response=list[OrderOut], summary="Orders you may see (supplier staff: your inbox)")
@paginate(Pages)
def order_list(request, status: str = "", supplier: int | None = None):
    orders = selectors.orders_visible_to(request.auth)
    if status:
        orders = orders.filter(status=status)
    if supplier:
        orders = orders.filter(supplier_id=supplier)
    return orders.order_by("-starts_at", "-id")


def _idempotent(request, key, operation: str, payload: dict, perform) -> Status:
    with transaction.atomic():
        status, body = run_idempotent(actor=request.auth, key=key, operation=operation, payload=payload,
                                      perform=perform)
    return Status(status, SupplierOrder.objects.get(pk=body["id"]))


@router.post("/supplier-orders", response={201: OrderOut, 200: OrderOut},
             summary="Book a supplier's service for an elder; accepts Idempotency-Key")
def order_create(request, payload: OrderIn, idempotency_key: str | None = IdempotencyKey):
    actor = request.auth

    def perform():
        supplier = selectors.suppliers_visible_to(actor).filter(pk=payload.supplier_id).first()
        elder = access_elder(actor, payload.elder_id, for_=Perm.PEOPLE_EDIT)
        if supplier is None:
            supplier = selectors.Supplier.objects.filter(pk=payload.supplier_id, bank_id=elder.bank_id).first()
            if supplier is None or elder.node is None or not selectors.serves(supplier, elder.node):
                raise NotFound()
        order = services.order_book(actor=actor, supplier=supplier,
                                    service_type=_service_type(supplier.bank_id, payload.service_type_id),
                                    elder=elder, starts_at=payload.starts_at, payment=payload.payment,
                                    address=payload.address, notes=payload.notes)
        return 201, {"id": order.pk}

    return _idempotent(request, idempotency_key, "suppliers.book", payload.dict(), perform)


@router.post("/supplier-orders/{order_id}/accept", response=OrderOut)
def order_accept(request, order_id: int):
    return services.order_accept(actor=request.auth, order=selectors.order_get(request.auth, order_id))


@router.post("/supplier-orders/{order_id}/decline", response=OrderOut)
def order_decline(request, order_id: int, payload: ReasonIn | None = None):
    return services.order_decline(actor=request.auth, order=selectors.order_get(request.auth, order_id),
                                  reason=payload.reason if payload else "")


@router.post("/supplier-orders/{order_id}/done", response=OrderOut)
def order_done(request, order_id: int):
    return services.order_done(actor=request.auth, order=selectors.order_get(request.auth, order_id))


@router.post("/supplier-orders/{order_id}/confirm", response={200: OrderOut, 201: OrderOut},
             summary="Confirm and rate 1–5 (elder, proxy or staff); accepts Idempotency-Key")
def order_confirm(request, order_id: int, payload: OrderConfirmIn | None = None,
                  idempotency_key: str | None = IdempotencyKey):
    payload = payload or OrderConfirmIn()
    actor = request.auth

    def perform():
        order = services.order_confirm(actor=actor, order=selectors.order_get(actor, order_id), rating=payload.rating,
                                       comment=payload.comment)
        return 200, {"id": order.pk}

    return _idempotent(request, idempotency_key, f"suppliers.confirm:{order_id}", payload.dict(), perform)


# ---- settlement: what the bank's guarantee fund owes a supplier ------------------------------------

def _settlement_out(actor, supplier, month: dt.date) -> dict:
    return {**selectors.settlement(actor, supplier, month), "supplier_id": supplier.pk, "month": f"{month:%Y-%m}"}


@router.get("/suppliers/{supplier_id}/settlement", response=SettlementOut,
            summary="A month's guaranteed orders the fund owes the supplier for (month=YYYY-MM, default this month)")
def supplier_settlement(request, supplier_id: int, month: Month | None = None):
    supplier = selectors.supplier_get(request.auth, supplier_id)
    return _settlement_out(request.auth, supplier, month or timezone.localdate().replace(day=1))


@router.post("/suppliers/{supplier_id}/settlement/paid", response=SettlementPaidOut,
             summary="Mark a month's unpaid guaranteed orders paid (the supplier's managers; audited)")
def supplier_settlement_paid(request, supplier_id: int, payload: SettlementPaidIn):
    supplier = selectors.supplier_get(request.auth, supplier_id)
    marked = services.settlement_mark_paid(actor=request.auth, supplier=supplier, month=payload.month)
    return {**_settlement_out(request.auth, supplier, payload.month), "marked_paid": marked}


# ---- guaranteed fulfilment: coin requests nobody claimed, offered to suppliers ----------------------

@router.get("/guarantee-offers", response=list[GuaranteeOfferOut],
            summary="Coin requests offered to your supplier and still open (supplier staff: your inbox)")
@paginate(Pages)
def guarantee_offer_list(request):
    offers = GuaranteeOffer.objects.none()
    for supplier in selectors.Supplier.objects.filter(pk__in=selectors.member_supplier_ids(request.auth)):
        offers |= selectors.guarantee_offers_for(supplier)
    return offers.order_by("demand__starts_at", "id")


@router.post("/guarantee-offers/{offer_id}/take", response=OrderOut,
             summary="Take an offered coin request: the first supplier to take it serves it (supplier staff)")
def guarantee_offer_take(request, offer_id: int):
    offer = GuaranteeOffer.objects.filter(pk=offer_id,
                                          supplier_id__in=selectors.member_supplier_ids(request.auth)).first()
    if offer is None:
        raise NotFound()
    return services.guarantee_accept(actor=request.auth, offer=offer)


# ---- joint supplier meetings ------------------------------------------------------------------------

@router.get("/supplier-meetings", response=list[MeetingOut],
            summary="Joint supplier meetings you may see (supplier staff: those about your supplier)")
@paginate(Pages)
def supplier_meeting_list(request):
    return selectors.meetings_visible_to(request.auth)


@router.post("/supplier-meetings", response={201: MeetingOut},
             summary="Record a joint supplier meeting with its decisions (suppliers.manage at a bank or branch)")
def supplier_meeting_create(request, payload: MeetingIn):
    actor = request.auth
    # The page's choice: the first bank or branch the actor manages suppliers at.
    nodes = [n for n in nodes_visible_to(actor, Perm.SUPPLIERS_MANAGE) if n.kind in (NodeKind.BANK, NodeKind.BRANCH)]
    if not nodes:
        raise NotFound()
    wanted = set(payload.supplier_ids)
    suppliers = list(selectors.suppliers_visible_to(actor).filter(pk__in=wanted))
    if len(suppliers) != len(wanted):
        raise NotFound()
    meeting = services.meeting_record(
        actor=actor, node=nodes[0], held_on=payload.held_on, title=payload.title, attendees=payload.attendees,
        minutes=payload.minutes, suppliers=suppliers,
        decisions=[(d.text, d.owner or "—", d.due_on) for d in payload.decisions])
    return Status(201, meeting)


# ---- the bank's supplier rules ----------------------------------------------------------------------

SUPPLIER_RULES = list(SupplierRulesChange.model_fields)


def _rules_bank(actor) -> Node:
    banks = [n for n in nodes_visible_to(actor, Perm.RULES_MANAGE) if n.kind == NodeKind.BANK]
    if not banks:
        raise NotFound()
    return banks[0]


def _supplier_rules_out(bank: Node) -> dict:
    rules = selectors.supplier_rules_for(bank)
    return {**{name: getattr(rules, name) for name in SUPPLIER_RULES}, "bank_id": bank.pk,
            "effective_from": rules.effective_from if rules.pk else None}


@router.get("/supplier-rules", response=SupplierRulesOut,
            summary="The supplier rules in force at your bank (its rule managers)")
def supplier_rules_get(request):
    return _supplier_rules_out(_rules_bank(request.auth))


@router.patch("/supplier-rules", response=SupplierRulesOut,
              summary="Change some supplier rules; the rest stay; in force at once, the old ones kept (audited)")
def supplier_rules_change(request, payload: SupplierRulesChange):
    bank = _rules_bank(request.auth)
    current = selectors.supplier_rules_for(bank)
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    services.supplier_rules_set(actor=request.auth, bank=bank,
                                **{name: changes.get(name, getattr(current, name)) for name in SUPPLIER_RULES})
    return _supplier_rules_out(bank)
