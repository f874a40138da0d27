"""Why a demand or a service record could not change. Nothing was changed when one is raised."""
from django.utils.translation import gettext_lazy as _

from timebank.lib.errors import Conflict, DomainError, InvalidInput


class InvalidTransition(Conflict):
    code = "invalid_transition"
    message = _("This cannot be done in the current state.")


class TakenBySupplier(InvalidTransition):
    code = "taken_by_supplier"
    message = _("A supplier has taken this request: cancel the supplier's order instead.")


class DemandFull(Conflict):
    code = "demand_full"
    message = _("All places on this request are already taken.")


class AlreadyClaimed(Conflict):
    code = "already_claimed"
    message = _("You have already taken this request.")


class OverlappingClaim(Conflict):
    code = "overlapping_claim"
    message = _("You already have a task at this time.")


class OwnDemand(Conflict):
    code = "own_demand"
    message = _("You cannot take a request for yourself or one you published.")


class NotEligible(DomainError):
    code = "not_eligible"
    message = _("Only approved volunteers of this branch who hold the required certificate can take this request.")
    status = 403


class DailyCapReached(Conflict):
    code = "daily_cap_reached"
    message = _("This would take you above the bank's daily limit of service hours.")


class UnclaimTooLate(Conflict):
    code = "unclaim_too_late"
    message = _("It is too close to the start to withdraw; please call the service station.")


class TooFar(Conflict):
    code = "too_far"
    message = _("You are too far from the service address to check in.")


class OutsideWindow(Conflict):
    code = "outside_window"
    message = _("Check-in is possible only around the planned time.")


class LocationRequired(InvalidInput):
    code = "location_required"
    message = _("Share your location, or use the station code.")


class StationCodeWrong(InvalidInput):
    code = "station_code_wrong"
    message = _("This station code is not right.")


class NotYours(DomainError):
    code = "not_yours"
    message = _("This is not yours to do.")
    status = 403


class TimesInvalid(InvalidInput):
    code = "times_invalid"
    message = _("The end must come after the start, on the same day, and the start must be in the future.")


class HeadcountInvalid(InvalidInput):
    code = "headcount_invalid"
    message = _("The number of volunteers is not possible for this kind of service.")


class ElderRequired(InvalidInput):
    code = "elder_required"
    message = _("Choose the elder to be served, several elders, or the whole community.")


class ServiceTypeUnavailable(InvalidInput):
    code = "service_type_unavailable"
    message = _("This service type is not offered by this bank.")


class ServiceTypeInvalid(InvalidInput):
    code = "service_type_invalid"
    message = _("Some values of this service type are not allowed.")


class ServiceTypeCodeTaken(Conflict):
    code = "service_type_code_taken"
    message = _("The catalogue already has a type with this code.")


class RatingInvalid(InvalidInput):
    code = "rating_invalid"
    message = _("Give a rating from 1 to 5.")


class ReasonRequired(InvalidInput):
    code = "reason_required"
    message = _("Give a reason.")


class HoldMissing(Conflict):
    code = "hold_missing"
    message = _("The elder's reserved coins for this request are no longer held.")


class OfferClosed(Conflict):
    code = "offer_closed"
    message = _("This offer is paused or withdrawn.")


class HomeStationRequired(InvalidInput):
    code = "home_station_required"
    message = _("Only a member with a home service station can post an offer.")


class OfferDescriptionInvalid(InvalidInput):
    code = "description_invalid"
    message = _("Say in 1 to 200 characters what you can offer.")
