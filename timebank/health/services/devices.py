"""Measuring devices at a station: register one with its token, revoke it, authenticate its uploads."""
import hashlib
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.lib.errors import InvalidInput, NotFound
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

from ..exceptions import DeviceSerialTaken
from ..models import Device

DEVICE_TOKEN_PREFIX = "dev_"


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def device_register(*, actor, station: Node, serial: str, model: str = "") -> tuple[Device, str]:
    """A device at a station and its token; the raw token is returned once, only its hash is kept."""
    serial = (serial or "").strip()[:64]
    if not serial:
        raise InvalidInput(_("Give the device's serial number."), code="serial_required")
    if station is None or station.kind != NodeKind.STATION or station.is_closed:
        raise InvalidInput(_("Choose an open service station."), code="station_invalid")
    if not has_perm(actor, Perm.HEALTH_DEVICES, station):
        raise NotFound()
    raw = DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        if Device.objects.filter(bank=station.bank, serial=serial).exists():
            raise DeviceSerialTaken()
        try:
            with transaction.atomic():
                device = Device.objects.create(bank=station.bank, station=station, serial=serial,
                                               model=(model or "").strip()[:64], prefix=raw[:10],
                                               key_hash=_token_hash(raw), created_by=actor)
        except IntegrityError:
            raise DeviceSerialTaken() from None
        audit_record(actor=actor, action="health.device_registered", obj=device, node=station, bank=station.bank)
    return device, raw


def device_revoke(*, actor, device: Device) -> Device:
    with transaction.atomic():
        device = Device.objects.select_for_update(of=("self",)).select_related("station").get(pk=device.pk)
        if not has_perm(actor, Perm.HEALTH_DEVICES, device.station):
            raise NotFound()
        if device.revoked_at is None:
            device.revoked_at = timezone.now()
            device.save(update_fields=["revoked_at"])
            audit_record(actor=actor, action="health.device_revoked", obj=device, node=device.station)
    return device


def device_authenticate(raw: str) -> Device | None:
    if not raw or not raw.startswith(DEVICE_TOKEN_PREFIX) or len(raw) > 100:
        return None
    device = (Device.objects.filter(key_hash=_token_hash(raw), revoked_at__isnull=True)
              .select_related("station", "bank").first())
    if device is None or device.station.is_closed:
        return None
    now = timezone.now()
    if device.last_seen_at is None or (now - device.last_seen_at).total_seconds() > 60:
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
    return device
