"""Ledger endpoints: my accounts, an account and its transfers, gifts and donations."""
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status
from ninja.pagination import paginate

from timebank.audit.idempotency import run_idempotent
from timebank.lib.errors import InvalidInput, NotFound
from timebank.lib.pagination import Pages
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.models import Person

from . import chain, selectors, services
from .exceptions import AccountUnknown
from .models import CorrectionRequest, Transfer
from .schemas import (
    AccountOut,
    ChainCheckIn,
    ChainCheckOut,
    ChainOut,
    CoinGrantIn,
    CoinGrantOut,
    CorrectionIn,
    CorrectionOut,
    DecisionIn,
    MyAccountsOut,
    TransferIn,
    TransferOut,
)

router = Router(tags=["ledger"])


@router.get("/accounts/me", response=MyAccountsOut, summary="My time-coin and points accounts")
def accounts_me(request):
    return selectors.accounts_of(request.auth)


@router.get("/accounts/{account_id}", response=AccountOut,
            summary="One account: yours, an elder's you act for, or one in your reach")
def account_detail(request, account_id: int):
    return selectors.account_get(request.auth, account_id)


@router.get("/accounts/{account_id}/transfers", response=list[TransferOut],
            summary="An account's transfers, newest first")
@paginate(Pages)
def account_transfers(request, account_id: int):
    account = selectors.account_get(request.auth, account_id)
    return selectors.account_transfers(account)


@router.post("/transfers", response={201: TransferOut, 200: TransferOut},
             summary="Gift coins to a relative or donate them to the pool (requires Idempotency-Key)")
def transfer_create(request, payload: TransferIn, idempotency_key: str = Header(..., alias="Idempotency-Key",
                                                                                min_length=1, max_length=100)):
    actor: Person = request.auth

    def perform():
        owner = actor
        if payload.from_person_id and payload.from_person_id != actor.pk:
            owner = _person_or_unknown(actor, payload.from_person_id)
        key = f"api:{actor.pk}:{idempotency_key}"
        if payload.kind == "gift":
            if not payload.to_person_id:
                raise AccountUnknown()
            recipient = Person.objects.filter(pk=payload.to_person_id, bank_id=owner.bank_id).first()
            if recipient is None:
                raise AccountUnknown()
            transfer = services.gift_send(actor=actor, sender=owner, recipient=recipient, amount=payload.amount,
                                          memo=payload.memo, idempotency_key=key)
        else:
            transfer = services.donation_make(actor=actor, donor=owner, amount=payload.amount, memo=payload.memo,
                                              idempotency_key=key)
        return 201, {"id": transfer.pk}

    with transaction.atomic():
        status, body = run_idempotent(actor=actor, key=idempotency_key, operation="transfers.create",
                                      payload=payload.dict(), perform=perform)
    return Status(status, Transfer.objects.get(pk=body["id"]))


def _person_or_unknown(actor, person_id):
    try:
        from timebank.people.selectors import can_act_for

        person = Person.objects.select_related("node").get(pk=person_id)
        if not can_act_for(actor, person):
            raise NotFound()
        return person
    except (Person.DoesNotExist, NotFound):
        raise AccountUnknown() from None


@router.get("/transfers/{transfer_id}", response=TransferOut, summary="One transfer")
def transfer_detail(request, transfer_id: int):
    return selectors.transfer_get(request.auth, transfer_id)




# ---- grants and corrections (four eyes above the bank's threshold) ------------------------------------

IdempotencyKey = Header(None, alias="Idempotency-Key", min_length=1, max_length=100)


@router.post("/people/{person_id}/grants", response={201: CoinGrantOut},
             summary="Grant time coins to a hardship elder (branch admins); above the bank's threshold it waits "
                     "for a second admin. Accepts Idempotency-Key")
def grant_create(request, person_id: int, payload: CoinGrantIn, idempotency_key: str | None = IdempotencyKey):
    actor = request.auth
    elder = selectors.ledger_owner_get(actor, person_id)
    if elder.node is None or not has_perm(actor, Perm.LEDGER_GRANT, elder.node):
        raise NotFound()
    grant = services.grant_make(actor=actor, elder=elder, amount=payload.amount, source=payload.source,
                                reason=payload.reason,
                                idempotency_key=f"api:{actor.pk}:{idempotency_key}" if idempotency_key else None)
    return Status(201, grant)  # the same key again: the first grant


@router.post("/grants/{grant_id}/decision", response=CoinGrantOut,
             summary="A second admin approves (it posts) or rejects a waiting grant; never the one who asked")
def grant_decision(request, grant_id: int, payload: DecisionIn):
    grant = selectors.grant_request_get(request.auth, grant_id)
    return services.grant_decide(actor=request.auth, request=grant, approve=payload.approve)


@router.post("/transfers/{transfer_id}/corrections", response={201: CorrectionOut, 200: CorrectionOut},
             summary="Reverse (part of) a posted transfer (ledger staff); above the bank's threshold it waits for a "
                     "second admin. Accepts Idempotency-Key")
def correction_create(request, transfer_id: int, payload: CorrectionIn, idempotency_key: str | None = IdempotencyKey):
    actor = request.auth
    original = selectors.transfer_for_correction(actor, transfer_id)

    def perform():
        made = services.correction_request(actor=actor, original=original, amount=payload.amount,
                                           reason=payload.reason)
        return 201, {"id": made.pk}

    if not idempotency_key:
        return Status(201, CorrectionRequest.objects.get(pk=perform()[1]["id"]))
    with transaction.atomic():
        status, body = run_idempotent(actor=actor, key=idempotency_key, operation="ledger.correction_request",
                                      payload={"transfer": original.pk, **payload.dict()}, perform=perform)
    return Status(status, CorrectionRequest.objects.get(pk=body["id"]))


@router.post("/corrections/{correction_id}/decision", response=CorrectionOut,
             summary="A second admin approves (it posts) or rejects a waiting correction; never the one who asked")
def correction_decision(request, correction_id: int, payload: DecisionIn):
    correction = selectors.correction_get(request.auth, correction_id)
    return services.correction_decide(actor=request.auth, request=correction, approve=payload.approve)


@router.get("/ledger/chain", response=ChainOut,
            summary="The bank's hash chain: its newest link (an anchor to keep) and each day's last link")
def ledger_chain(request, bank: int | None = Query(None, ge=1, le=2**63 - 1)):
    found = selectors.audit_bank_get(request.auth, bank)
    return {"bank_id": found.pk, "anchor": chain.anchor_of(found.pk), "unsealed": selectors.unsealed_count(found),
            "heads": chain.chain_heads_by_day(found.pk)}


@router.post("/ledger/chain/check", response=ChainCheckOut,
             summary="Check the bank's ledger now: every fingerprint, every link, every balance, and anchors "
                     "noted earlier (reads only)")
def ledger_chain_check(request, payload: ChainCheckIn):
    found = selectors.audit_bank_get(request.auth, payload.bank_id)
    anchors = []
    for text in payload.anchors:
        try:
            anchors.append(chain.parse_anchor(text))
        except ValueError:
            raise InvalidInput(_("An anchor is BANK:LINK:HASH, as printed in the monthly report."),
                               code="anchor_invalid", detail={"anchor": text[:100]}) from None
    if any(bank_id != found.pk for bank_id, _seq, _hash in anchors):
        raise InvalidInput(_("That anchor is of another bank."), code="anchor_invalid")
    report = chain.verify(found.pk, anchors=anchors)
    return {"bank_id": found.pk, "ok": report.ok, "transfers": report.transfers, "sealed": report.sealed,
            "accounts": report.accounts, "seconds": round(report.seconds, 3),
            "first_bad_transfer": report.first_bad_transfer, "problems": report.problems[:100]}
