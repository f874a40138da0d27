"""Ledger endpoints: my accounts, an account and its transfers, gifts and donations."""
from django.db import transaction
from ninja import Header, Query, Router, Status

from timebank.audit.idempotency import run_idempotent
from timebank.lib.errors import NotFound
from timebank.people.models import Person

from . import selectors, services
from .exceptions import AccountUnknown
from .models import Transfer
from .schemas import AccountOut, MyAccountsOut, TransferIn, TransferOut, TransferPage

router = Router(tags=["ledger"])


@router.get("/accounts/me", response=MyAccountsOut, summary="My time-coin and points accounts")
def accounts_me(request):
    return selectors.accounts_of(request.auth)


@router.get("/accounts/{account_id}", response=AccountOut,
            summary="One account: yours, an elder's you act for, or one in your reach")
def account_detail(request, account_id: int):
    return selectors.account_get(request.auth, account_id)


@router.get("/accounts/{account_id}/transfers", response=TransferPage, summary="An account's transfers, newest first")
def account_transfers(request, account_id: int, cursor: int | None = Query(None, ge=1, le=2**62),
                      limit: int = Query(50, ge=1, le=200)):
    account = selectors.account_get(request.auth, account_id)
    items = selectors.account_transfers(account, before=cursor, limit=limit)
    return {"items": items, "next_cursor": items[-1].pk if len(items) == limit else None}


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


