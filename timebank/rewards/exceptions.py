"""Why a points-shop request was refused. Nothing was changed when one is raised."""
from django.utils.translation import gettext_lazy as _

from timebank.lib.errors import Conflict, InvalidInput


class OutOfStock(Conflict):
    code = "out_of_stock"
    message = _("This item is out of stock.")


class NotEnoughPoints(Conflict):
    code = "insufficient_points"
    message = _("You do not have enough points for this item.")


class ItemUnavailable(Conflict):
    code = "item_unavailable"
    message = _("This item is not on offer.")


class OrderNotHeld(Conflict):
    code = "order_not_waiting"
    message = _("This order was already handed over or cancelled.")


class ItemInvalid(InvalidInput):
    code = "item_invalid"
    message = _("An item needs a name, a price of at least 1 point and a stock of 0 or more.")
