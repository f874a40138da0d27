"""Health endpoints. Devices post batches with their own token (`Authorization: Bearer dev_…`);
people use their person token or session. Values only reach medical staff of the elder's subtree,
the elder and consenting proxies, and every list of values is audited."""
import datetime as dt

from django.db import transaction
from django.utils import timezone
from ninja import Header, Path, Query, Router, Status
from ninja.pagination import paginate
from ninja.security import HttpBearer

from timebank.audit.idempotency import run_idempotent
from timebank.lib.errors import NotFound
from timebank.lib.pagination import Pages
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, node_get
from timebank.people.models import Person

from . import selectors, services
from .models import Alert, HealthCard, ReadingKind
from .schemas import (
    AlertOut,
    BankThresholdsIn,
    BatchOut,
    CardIn,
    CardOut,
    CloseIn,
    ConsentIn,
    ConsentOut,
    ContactOut,
    DeviceCreatedOut,
    DeviceIn,
    DeviceOut,
    FollowUpIn,
    ReadingBatchIn,
    ReadingOut,
    ThresholdsIn,
    ThresholdsOut,
)
from .services import THRESHOLD_FIELDS

router = Router(tags=["health"])
MAX_ID = 2 ** 63 - 1  # larger ids cannot exist and overflow SQLite
ID = Path(..., ge=1, le=MAX_ID)
IdempotencyKey = Header(None, alias="Idempotency-Key", max_length=128)


class DeviceToken(HttpBearer):
    """A measuring device's token (`dev_…`), never a person's."""

    def authenticate(self, request, token):
        device = services.device_authenticate(token)
        if device is not None:
            request.device = device
        return device


@router.post("/health/readings", auth=DeviceToken(), response=BatchOut,
             summary="A device posts a batch of 1–1,000 readings")
def readings_post(request, payload: ReadingBatchIn):
    results = services.readings_ingest(device=request.device, items=payload.readings, station_id=payload.station_id)
    counts = {s: sum(1 for r in results if r.get("status") == s) for s in ("stored", "duplicate", "rejected")}
    return {**counts, "results": results}


@router.get("/people/{person_id}/readings", response=list[ReadingOut])
@paginate(Pages)
def readings_list(request, person_id: int = ID, kind: str = "", days: int = Query(365, ge=1, le=3660)):
    elder = selectors.elder_for_values(request.user, person_id)
    services.health_view_record(actor=request.user, elder=elder, what="api.readings")
    return selectors.readings_of(elder, kind=kind if kind in ReadingKind.values else "",
                                 since=timezone.now() - dt.timedelta(days=days))


@router.get("/health/cards", response=list[CardOut])
@paginate(Pages)
def cards_list(request, elder_id: int | None = Query(None, ge=1, le=MAX_ID), uid: str = ""):
    cards = selectors.cards_visible_to(request.user)
    if elder_id:
        cards = cards.filter(elder_id=elder_id)
    if uid:
        cards = cards.filter(uid=uid.strip().upper())
    return cards


@router.post("/health/cards", response={201: CardOut})
def cards_post(request, payload: CardIn):
    elder = Person.objects.filter(pk=payload.elder_id).select_related("node").first()
    if elder is None or elder.node is None or not has_perm(request.user, Perm.HEALTH_CARDS, elder.node):
        raise NotFound()
    if payload.replaces:
        old = HealthCard.objects.filter(pk=payload.replaces, elder=elder).first()
        if old is None:
            raise NotFound()
        return Status(201, services.card_reissue(actor=request.user, card=old, uid=payload.uid))
    return Status(201, services.card_issue(actor=request.user, elder=elder, uid=payload.uid))


@router.post("/health/cards/{card_id}/lost", response=CardOut)
def card_lost(request, card_id: int = ID):
    card = selectors.cards_visible_to(request.user).filter(pk=card_id).first()
    if card is None:
        raise NotFound()
    return services.card_report_lost(actor=request.user, card=card)


@router.get("/health/alerts", response=list[AlertOut])
@paginate(Pages)
def alerts_list(request, status: str = Query("", max_length=20), severity: str = Query("", max_length=20),
                rule: str = Query("", max_length=20), elder_id: int | None = Query(None, ge=1, le=MAX_ID),
                node_id: int | None = Query(None, ge=1, le=MAX_ID), q: str = Query("", max_length=40)):
    """The queue, urgent first then oldest; closed alerts only with `status=closed`. Filters: status,
    severity, rule, elder, node (a station or branch), q (elder's name, pinyin initials, phone tail)."""
    return selectors.alert_queue(request.user, status=status, severity=severity, rule=rule, elder_id=elder_id,
                                 node_id=node_id, q=q)


def _alert_step(request, key: str | None, operation: str, payload: dict, step) -> Alert:
    """One step of the workflow. A repeat of a step already taken is refused with `alert_already_done`
    (409, saying who and when) and changes nothing; with the same `Idempotency-Key` a retry gets the
    first answer again instead."""
    actor = request.user

    def perform():
        return 200, {"id": step(selectors.alert_get(actor, payload["alert_id"])).pk}

    with transaction.atomic():
        _status, body = run_idempotent(actor=actor, key=key, operation=operation, payload=payload, perform=perform)
    return selectors.alerts_visible_to(actor).get(pk=body["id"])


@router.post("/health/alerts/{alert_id}/contacts", response=list[ContactOut],
             summary="The numbers to ring about an open alert: the elder, the emergency contact, consenting proxies "
                     "(medical staff who act on it; audited)")
def alert_contacts(request, alert_id: int = ID):
    alert = selectors.alert_get(request.user, alert_id)
    return services.alert_contacts_reveal(actor=request.user, alert=alert)


@router.post("/health/alerts/{alert_id}/acknowledge", response=AlertOut, summary="Acknowledge; accepts Idempotency-Key")
def alert_acknowledge(request, alert_id: int = ID, idempotency_key: str | None = IdempotencyKey):
    return _alert_step(request, idempotency_key, "health.alert_acknowledge", {"alert_id": alert_id},
                       lambda alert: services.alert_acknowledge(actor=request.user, alert=alert))


@router.post("/health/alerts/{alert_id}/follow-up", response=AlertOut,
             summary="Record the follow-up (phoned, visited, referred, no answer); accepts Idempotency-Key")
def alert_follow_up(request, payload: FollowUpIn, alert_id: int = ID, idempotency_key: str | None = IdempotencyKey):
    return _alert_step(request, idempotency_key, "health.alert_follow_up", {"alert_id": alert_id, **payload.dict()},
                       lambda alert: services.alert_follow_up(actor=request.user, alert=alert,
                                                              outcome=payload.outcome, note=payload.note))


@router.post("/health/alerts/{alert_id}/close", response=AlertOut, summary="Close; accepts Idempotency-Key")
def alert_close(request, alert_id: int = ID, payload: CloseIn | None = None,
                idempotency_key: str | None = IdempotencyKey):
    note = payload.note if payload else ""
    return _alert_step(request, idempotency_key, "health.alert_close", {"alert_id": alert_id, "note": note},
                       lambda alert: services.alert_close(actor=request.user, alert=alert, note=note))


def _thresholds_out(elder: Person) -> dict:
    return _limits_out(selectors.thresholds_for(elder.bank, elder))


def _limits_out(t) -> dict:
    source = "default" if t.pk is None else ("elder" if t.elder_id else "bank")
    return {**{k: getattr(t, k) for k in THRESHOLD_FIELDS}, "source": source, "reason": t.reason,
            "effective_from": t.effective_from if t.pk else None}


@router.get("/people/{person_id}/thresholds", response=ThresholdsOut)
def thresholds_get(request, person_id: int = ID):
    elder = selectors.elder_for_values(request.user, person_id)
    services.health_view_record(actor=request.user, elder=elder, what="api.thresholds")
    return _thresholds_out(elder)


@router.put("/people/{person_id}/thresholds", response=ThresholdsOut)
def thresholds_put(request, payload: ThresholdsIn, person_id: int = ID):
    elder = selectors.elder_for_values(request.user, person_id)
    values = {k: v for k, v in payload.dict().items() if k in THRESHOLD_FIELDS and v is not None}
    services.thresholds_set(actor=request.user, bank=elder.bank, elder=elder, reason=payload.reason,
                            effective_from=payload.effective_from, **values)
    return _thresholds_out(elder)


@router.get("/health/thresholds", response=ThresholdsOut,
            summary="The bank's own health limits (its medical lead); elders with their own limits keep them")
def bank_thresholds_get(request):
    bank = selectors.limits_bank_of(request.user)
    return _limits_out(selectors.thresholds_for(bank, None))


@router.put("/health/thresholds", response=ThresholdsOut,
            summary="New limits for the whole bank from now or a later moment (never backdated; audited)")
def bank_thresholds_put(request, payload: BankThresholdsIn):
    bank = selectors.limits_bank_of(request.user)
    values = {k: v for k, v in payload.dict().items() if k in THRESHOLD_FIELDS and v is not None}
    services.thresholds_set(actor=request.user, bank=bank, reason=payload.reason,
                            effective_from=payload.effective_from, **values)
    return _limits_out(selectors.thresholds_for(bank, None))


@router.get("/health/devices", response=list[DeviceOut],
            summary="Measuring devices at the stations in your reach (filter: q, state=active|revoked)")
@paginate(Pages)
def device_list(request, q: str = Query("", max_length=64), state: str = Query("", pattern="^(|active|revoked)$")):
    if not has_perm(request.user, Perm.HEALTH_DEVICES):
        raise NotFound()
    return selectors.devices_visible_to(request.user, q=q, state=state).order_by("station_id", "serial", "id")


@router.post("/health/devices", response={201: DeviceCreatedOut},
             summary="Register a device at a station; its token is in this answer only")
def device_create(request, payload: DeviceIn):
    station = node_get(request.user, payload.station_id, Perm.HEALTH_DEVICES)
    device, raw = services.device_register(actor=request.user, station=station, serial=payload.serial,
                                           model=payload.model)
    device.token = raw
    return Status(201, device)


@router.post("/health/devices/{device_id}/revoke", response=DeviceOut,
             summary="Revoke a device's token (a lost or replaced device); its readings stay")
def device_revoke(request, device_id: int = ID):
    device = selectors.devices_visible_to(request.user).filter(pk=device_id).first()
    if device is None:
        raise NotFound()
    return services.device_revoke(actor=request.user, device=device)


def _consents_out(elder: Person, only: Person | None) -> list[dict]:
    return [{"proxy_id": r["proxy"].pk, "proxy_name": r["proxy"].name, "relation": r["relation"],
             "linked": r["linked"], "shares": r["shares"], "since": r["since"]}
            for r in selectors.consent_rows(elder, only_proxy=only)]


@router.get("/people/{person_id}/health-consents", response=list[ConsentOut],
            summary="The elder's proxies and whether each sees the health values")
def consents_list(request, person_id: int = ID):
    elder, may_decide = selectors.elder_for_consent(request.user, person_id)
    return _consents_out(elder, None if may_decide else request.user)


@router.put("/people/{person_id}/health-consents/{proxy_id}", response=list[ConsentOut],
            summary="Give or withdraw a proxy's consent (the elder or staff; a proxy may only withdraw their own)")
def consents_put(request, payload: ConsentIn, person_id: int = ID, proxy_id: int = ID):
    elder, may_decide = selectors.elder_for_consent(request.user, person_id)
    proxy = Person.objects.filter(pk=proxy_id).first()
    if proxy is None or (not may_decide and proxy.pk != request.user.pk):
        raise NotFound()
    services.proxy_health_consent_set(actor=request.user, elder=elder, proxy=proxy, consent=payload.consent)
    return _consents_out(elder, None if may_decide else request.user)
