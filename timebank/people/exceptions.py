"""Errors raised when registering, changing or finding people."""
from django.utils.translation import gettext_lazy as _

from timebank.lib.errors import Conflict, DomainError, InvalidInput, PermissionDenied


class IdNumberInvalid(InvalidInput):
    code = "id_number_invalid"
    message = _("This resident ID number is not valid.")


class IdNumberMismatch(InvalidInput):
    code = "id_number_mismatch"
    message = _("The birth date or gender does not agree with the ID number.")


class DuplicatePerson(Conflict):
    code = "duplicate_person"
    message = _("A person with this ID number is already registered in this bank.")


class MobileInvalid(InvalidInput):
    code = "mobile_invalid"
    message = _("A mobile number has 11 digits and starts with 1.")


class MobileTaken(Conflict):
    code = "mobile_taken"
    message = _("This mobile number is already registered.")


class TooYoung(InvalidInput):
    code = "too_young"
    message = _("This person is too young for this role.")


class StationUnknown(InvalidInput):
    code = "station_unknown"
    message = _("Choose an open service station.")


class ConsentRequired(InvalidInput):
    code = "consent_required"
    message = _("Consent to the processing of personal data is required.")


class NotPending(Conflict):
    code = "not_pending"
    message = _("This volunteer is not waiting for approval.")


class ProxyInvalid(InvalidInput):
    code = "proxy_invalid"
    message = _("This person cannot be linked as a proxy for this elder.")


class ProxyNotPending(Conflict):
    code = "proxy_not_pending"
    message = _("This proxy link is not waiting for confirmation.")


class ProxyConfirmOwn(PermissionDenied):
    code = "proxy_confirm_own"
    message = _("You cannot confirm a link that makes you the proxy.")


class SecondPersonRequired(PermissionDenied):
    code = "second_person_required"
    message = _("The elder or another staff member must confirm a link you asked for.")


class NotAnElder(InvalidInput):
    code = "not_an_elder"
    message = _("This person is not registered as an elder.")


class TokenRevoked(DomainError):
    code = "token_revoked"
    message = _("This token has been revoked.")
    status = 409


class UnlockRateLimited(DomainError):
    code = "rate_limited"
    message = _("You have unlocked many sign-ins in the last hour. Try again later.")
    status = 429


class SkillUnknown(InvalidInput):
    code = "skill_unknown"
    message = _("Choose the kinds of service you can do from the list.")


class FreeTimesInvalid(InvalidInput):
    code = "free_times_invalid"
    message = _("Choose your free times from the list (a day and morning, afternoon or evening), each once.")
