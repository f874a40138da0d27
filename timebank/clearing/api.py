"""Clearing between banks through the API: gifts to a member of another bank, moving a member, the
clearing positions, and the netting runs (positions settled per day)."""
import datetime as dt

from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Router, Status
from ninja.pagination import paginate

from timebank.audit.idempotency import run_idempotent
from timebank.lib.errors import InvalidInput, NotFound
from timebank.lib.pagination import Pages
from timebank.orgs.models import Node
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

from . import federation, selectors, services
from .exceptions import BankUnknown
from .models import CrossBankTransfer, OutboundMessage
from .schemas import (
    ClearingPositionOut,
    CrossBankGiftIn,
    CrossBankTransferOut,
    FederationGiftIn,
    FederationGiftOut,
    FederationReconcileIn,
    MemberMoveIn,
    MemberMoveOut,
    NettingRunDetailOut,
    NettingRunIn,
    NettingRunOut,
    ReconciliationReportOut,
)

router = Router(tags=["clearing"])


@router.post("/cross-bank-gifts", response={201: CrossBankTransferOut, 200: CrossBankTransferOut},
             summary="Give coins to a member of another bank of the platform (requires Idempotency-Key)")
def cross_bank_gift(request, payload: CrossBankGiftIn,
                    idempotency_key: str = Header(..., alias="Idempotency-Key", min_length=1, max_length=100)):
    actor = request.auth

    def perform():
        sender = selectors.sender_for(actor, payload.from_person_id)
        recipient = services.recipient_in_other_bank(sender, payload.to_mobile)
        record = services.cross_bank_gift(actor=actor, sender=sender, recipient=recipient, amount=payload.amount,
                                          memo=payload.memo, idempotency_key=f"api:{actor.pk}:{idempotency_key}")
        return 201, {"id": record.pk}

    with transaction.atomic():
        status, body = run_idempotent(actor=actor, key=idempotency_key, operation="cross_bank_gifts.create",
                                      payload=payload.dict(), perform=perform)
    return Status(status, CrossBankTransfer.objects.get(pk=body["id"]))


@router.get("/cross-bank-transfers", response=list[CrossBankTransferOut],
            summary="Coins moved between banks: yours (or an elder's you act for); staff: their banks'")
@paginate(Pages)
def cross_bank_transfers(request):
    return selectors.records_visible_to(request.auth)


@router.post("/people/{person_id}/move", response={201: MemberMoveOut},
             summary="Move a member with their coins and points to a station of another bank (搬迁)")
def member_move(request, person_id: int, payload: MemberMoveIn):
    person = selectors.person_to_move(request.auth, person_id)
    station = Node.objects.filter(pk=payload.station_id).first()
    if station is None:
        raise BankUnknown()
    return Status(201, services.member_move(actor=request.auth, person=person, station=station,
                                            reason=payload.reason))


@router.get("/clearing/positions", response=list[ClearingPositionOut],
            summary="Each bank's clearing account with each other bank as it stands (banks in your reach)")
def clearing_positions(request):
    if not has_perm(request.auth, Perm.CLEARING_VIEW):
        raise NotFound()
    return selectors.positions_now(request.auth)


@router.get("/clearing/netting-runs", response=list[NettingRunOut], summary="The days settled between banks")
@paginate(Pages)
def netting_runs(request):
    if not has_perm(request.auth, Perm.CLEARING_VIEW):
        raise NotFound()
    return selectors.runs_visible_to(request.auth)


@router.get("/clearing/netting-runs/{run_id}", response=NettingRunDetailOut,
            summary="One netting run with the positions it settled (of the banks in your reach)")
def netting_run_detail(request, run_id: int):
    run = selectors.run_get(request.auth, run_id)
    run.positions_in_reach = list(selectors.run_positions(request.auth, run))
    return run


@router.post("/clearing/netting-runs", response={201: NettingRunOut},
             summary="Settle a day between the platform's banks (platform admins; once per day)")
def netting_run_start(request, payload: NettingRunIn):
    platforms = selectors.platforms_in_reach(request.auth)
    if not platforms:
        raise NotFound()
    try:
        day = dt.date.fromisoformat(payload.business_day)
    except ValueError:
        raise InvalidInput(_("Give the day as YYYY-MM-DD."), code="day_invalid") from None
    return Status(201, services.netting_run(actor=request.auth, platform=platforms[0], business_day=day))


@router.post("/federation/messages", auth=None, response={200: dict},
             summary="A signed message from a partner platform (clearing between deployments; docs/FEDERATION.md)",
             description="No user sign-in: the body is a JSON envelope signed with the sending platform's Ed25519 "
                         "key (header X-Timebank-Signature). The answer is a receipt signed by this platform. "
                         "The same message id again gets the same receipt and posts nothing.")
def federation_message(request):
    receipt, signature = federation.message_receive(raw=request.body,
                                                    signature=request.headers.get(federation.SIGNATURE_HEADER, ""))
    return HttpResponse(receipt, content_type="application/json",
                        headers={federation.SIGNATURE_HEADER: signature})


@router.get("/federation/reconciliations", response=list[ReconciliationReportOut],
            summary="Reconciliations of the clearing with partner platforms (platform admins)")
@paginate(Pages)
def federation_reconciliations(request):
    if not selectors.platforms_in_reach(request.auth, Perm.CLEARING_VIEW):
        raise NotFound()
    return selectors.reports_visible_to(request.auth)


@router.post("/federation/reconciliations", response={201: ReconciliationReportOut},
             summary="Reconcile the clearing with a partner platform now (platform admins)")
def federation_reconcile(request, payload: FederationReconcileIn):
    peer = selectors.peer_get(request.auth, payload.peer_id, Perm.CLEARING_RUN)
    return Status(201, federation.federation_reconcile(actor=request.auth, peer=peer))


@router.post("/federation/gifts", response={201: FederationGiftOut, 200: FederationGiftOut},
             summary="Give coins to a member of a partner platform (another city; requires Idempotency-Key)",
             description="The coins leave at once; the other platform credits the member named by mobile number "
                         "and full name, or refuses and the coins come back (status refused).")
def federation_gift(request, payload: FederationGiftIn,
                    idempotency_key: str = Header(..., alias="Idempotency-Key", min_length=1, max_length=100)):
    actor = request.auth

    def perform():
        sender = selectors.sender_for(actor, payload.from_person_id)
        peer = selectors.peer_for_sender(sender, payload.peer_id)
        message = federation.federation_gift(actor=actor, sender=sender, peer=peer, mobile=payload.to_mobile,
                                             name=payload.to_name, amount=payload.amount, memo=payload.memo,
                                             idempotency_key=f"api:{actor.pk}:{idempotency_key}")
        return 201, {"id": message.pk}

    with transaction.atomic():
        status, body = run_idempotent(actor=actor, key=idempotency_key, operation="federation_gifts.create",
                                      payload=payload.dict(), perform=perform)
    return Status(status, OutboundMessage.objects.get(pk=body["id"]))
