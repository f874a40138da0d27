"""我能提供: a member's offers (a kind of service, in their words, when they are usually free, at their
home station), paused or withdrawn by them, and turned by station staff into a request for an elder
with the member already assigned: created, published (an elder-paid one holds the elder's coins) and
dispatched through the same services as any request, in one transaction."""
import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from timebank.audit.services import audit_record
from timebank.lib.errors import NotFound
from timebank.lib.text import clean_text
from timebank.orgs.models import NodeKind
from timebank.people.models import Person, PersonStatus
from timebank.people.skills import clean_free_slots

from .. import selectors
from ..exceptions import (
    HomeStationRequired,
    InvalidTransition,
    NotYours,
    OfferClosed,
    OfferDescriptionInvalid,
    ServiceTypeUnavailable,
    TimesInvalid,
)
from ..models import DemandStatus, Offer, OfferRequest, OfferStatus, Payer, ServiceType
from ._common import MAX_DURATION
from .claim import demand_dispatch
from .publish import demand_create

MIN_MINUTES = 15


def _audit(actor, action: str, offer: Offer, **changes) -> None:
    audit_record(actor=actor, action=action, obj=offer, node=offer.station, bank=offer.bank, changes=changes)


def offer_create(*, actor: Person, service_type: ServiceType, description: str,
                 free_slots=()) -> Offer:
    """A member offers a kind of service at their home station."""
    station = actor.node if getattr(actor, "node_id", None) else None
    if (station is None or station.kind != NodeKind.STATION or station.is_closed
            or actor.status != PersonStatus.ACTIVE):
        raise HomeStationRequired()
    if service_type is None or service_type.bank_id != station.bank_id or not service_type.is_active:
        raise ServiceTypeUnavailable()
    description = clean_text(description or "")
    if not description or len(description) > 200:
        raise OfferDescriptionInvalid()
    slots = clean_free_slots(free_slots)
    with transaction.atomic():
        offer = Offer.objects.create(bank_id=station.bank_id, branch_id=station.parent_id, station=station,
                                     person=actor, service_type=service_type, description=description,
                                     free_slots=slots)
        _audit(actor, "offer.created", offer, type=service_type.code, free_slots=slots)
    return offer


def _lock_offer(actor, offer_id: int) -> Offer:
    """The offer, locked, when the actor may see it (404 otherwise)."""
    selectors.offer_get(actor, offer_id)
    offer = (Offer.objects.select_for_update(of=("self",)).select_related("station", "service_type", "person", "bank")
             .filter(pk=offer_id).first())
    if offer is None:
        raise NotFound()
    return offer


def offer_set_status(*, actor: Person, offer: Offer, status: str) -> Offer:
    """The member pauses, resumes or withdraws their offer; station staff may withdraw it too. A
    withdrawn offer stays withdrawn."""
    if status not in OfferStatus.values:
        raise InvalidTransition()
    with transaction.atomic():
        offer = _lock_offer(actor, offer.pk)
        own = offer.person_id == actor.pk
        if not own and not (status == OfferStatus.WITHDRAWN and selectors.may_manage_offer(actor, offer)):
            raise NotYours()
        if offer.status == status:
            return offer
        if offer.status == OfferStatus.WITHDRAWN:
            raise OfferClosed()
        before, offer.status, offer.updated_at = offer.status, status, timezone.now()
        offer.save(update_fields=["status", "updated_at"])
        _audit(actor, f"offer.{status}", offer, status=[before, status])
    return offer


def offer_request(*, actor: Person, offer: Offer, elder: Person, starts_at: dt.datetime, minutes: int | None = None,
                  payer: str = Payer.BRANCH, notes: str = "", key: str = "") -> tuple:
    """Station staff turn an offer into a request for `elder` with the offering member assigned: the
    request is created and published (an elder-paid one holds the elder's coins) and the member
    dispatched, all or nothing. The same `key` (a form's token, an Idempotency-Key) — or, without one,
    the same elder and start — finds the request made the first time instead of a second one.
    Returns (demand, created)."""
    with transaction.atomic():
        offer = _lock_offer(actor, offer.pk)
        if not selectors.may_manage_offer(actor, offer):
            raise NotYours()
        key = (key or "").strip()[:100]
        earlier = OfferRequest.objects.filter(offer=offer).select_related("demand")
        earlier = (earlier.filter(key=key) if key else
                   earlier.filter(demand__elder=elder, demand__starts_at=starts_at)
                   .exclude(demand__status=DemandStatus.CANCELLED))
        if (found := earlier.first()) is not None:
            return found.demand, False
        if offer.status != OfferStatus.ACTIVE:
            raise OfferClosed()
        minutes = offer.service_type.default_minutes if minutes is None else minutes
        if (not isinstance(minutes, int) or isinstance(minutes, bool)
                or not MIN_MINUTES <= minutes <= MAX_DURATION.total_seconds() // 60):
            raise TimesInvalid(detail={"minutes": [MIN_MINUTES, int(MAX_DURATION.total_seconds() // 60)]})
        if starts_at is None:
            raise TimesInvalid()
        demand = demand_create(actor=actor, station=offer.station, service_type=offer.service_type,
                               starts_at=starts_at, ends_at=starts_at + dt.timedelta(minutes=minutes), elder=elder,
                               payer=payer, notes=(notes or "").strip() or offer.description, publish=True)
        demand_dispatch(actor=actor, demand=demand, volunteer=offer.person)
        OfferRequest.objects.create(offer=offer, demand=demand, key=key or f"auto:{uuid.uuid4().hex}",
                                    created_by=actor)
        _audit(actor, "offer.requested", offer, demand=demand.pk, elder=elder.pk if elder else None)
    return selectors.demand_get(actor, demand.pk), True
