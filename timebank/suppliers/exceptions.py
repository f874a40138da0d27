"""Why a supplier or an order could not change. Nothing was changed when one is raised."""
from django.utils.translation import gettext_lazy as _

from timebank.lib.errors import Conflict, InvalidInput, PermissionDenied


class CreditCodeInvalid(InvalidInput):
    code = "credit_code_invalid"
    message = _("This unified social credit code is not valid.")


class CreditCodeTaken(Conflict):
    code = "credit_code_taken"
    message = _("A supplier with this credit code is already registered.")


class LicenceExpired(InvalidInput):
    code = "licence_expired"
    message = _("This licence has expired.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    message = _("This cannot be done in the current state.")


class ReasonRequired(InvalidInput):
    code = "reason_required"
    message = _("Please give a reason.")


class SupplierNotServing(Conflict):
    code = "supplier_not_serving"
    message = _("This supplier cannot take new orders now.")


class OfferMissing(InvalidInput):
    code = "offer_missing"
    message = _("This supplier does not offer this service.")


class CoinsNotAccepted(InvalidInput):
    code = "coins_not_accepted"
    message = _("This supplier does not accept coins for this service.")


class AreaNotServed(InvalidInput):
    code = "area_not_served"
    message = _("This supplier does not serve the elder's community.")


class PriceInvalid(InvalidInput):
    code = "price_invalid"
    message = _("A price is a whole number of fen, at most 1,000,000 yuan.")


class RatingInvalid(InvalidInput):
    code = "rating_invalid"
    message = _("A rating is a whole number from 1 to 5.")


class AlreadyTaken(Conflict):
    code = "already_taken"
    message = _("Another supplier has already taken this request.")


class ElderRequired(InvalidInput):
    code = "elder_required"
    message = _("Orders are booked for a registered elder.")


class TimesInvalid(InvalidInput):
    code = "times_invalid"
    message = _("Choose a time in the future, at most a year ahead.")


class SupplierAdminOnly(PermissionDenied):
    code = "supplier_admin_only"
    message = _("Only the supplier's managers change who is its admin; an admin removes the other staff.")
