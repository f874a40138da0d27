"""What the health services refuse, each with a stable code."""
from django.utils.translation import gettext_lazy as _

from timebank.lib.errors import Conflict, DomainError, InvalidInput, PermissionDenied


class CardUidTaken(Conflict):
    code = "card_uid_taken"
    message = _("This card UID already belongs to someone in this bank.")


class CardActiveExists(Conflict):
    code = "card_active_exists"
    message = _("This elder already has an active card: report it lost first, or reissue.")


class CardNotActive(Conflict):
    code = "card_not_active"
    message = _("This card is no longer active.")


class NotAnElder(InvalidInput):
    code = "not_an_elder"
    message = _("Health cards and readings are for elders.")


class DeviceSerialTaken(Conflict):
    code = "device_serial_taken"
    message = _("A device with this serial number is already registered in this bank.")


class DeviceStationMismatch(PermissionDenied):
    code = "device_station_mismatch"
    message = _("This device posts only for its own station.")


class ValuesHidden(PermissionDenied):
    code = "health_values_hidden"
    message = _("Only medical staff, the elder and consenting proxies see health values.")


class AlertTransitionInvalid(Conflict):
    code = "alert_transition_invalid"
    message = _("The alert is not in a state that allows this.")


class AlertAlreadyDone(Conflict):
    """The same step twice (a double click, a retried request): nothing changes the second time,
    and the message says who did it and when."""

    code = "alert_already_done"
    message = _("Someone already did this to the alert. Nothing was changed.")


class ThresholdsInvalid(InvalidInput):
    code = "thresholds_invalid"
    message = _("These limits are not consistent (each high limit must be below its urgent limit).")


class ReadingInvalid(DomainError):
    """One reading refused; `code` says why. Used inside a batch (per item) and for hand entry."""

    code = "reading_invalid"
    message = _("This reading is not valid.")
    status = 422


class ConsentBySelf(PermissionDenied):
    code = "consent_by_self"
    message = _("A proxy cannot record consent for themselves: the elder gives it, or another staff member "
                "records it.")
