"""What the clearing between banks refuses."""
from django.utils.translation import gettext_lazy as _

from timebank.lib.errors import Conflict, InvalidInput, NotFound


class BankUnknown(NotFound):
    code = "bank_unknown"
    message = _("No such bank on this platform.")


class RecipientUnknown(InvalidInput):
    code = "recipient_unknown"
    message = _("Nobody with this mobile number is a member of another bank on this platform.")


class NotAnotherBank(InvalidInput):
    code = "not_another_bank"
    message = _("The recipient is a member of the same bank: use an ordinary gift.")


class NettingAlreadyRun(Conflict):
    code = "netting_already_run"
    message = _("The clearing for this day has already been settled.")


class ClearingMismatch(Conflict):
    code = "clearing_mismatch"
    message = _("The clearing accounts do not match the records of transfers between banks; nothing was settled.")


class MoveBlocked(Conflict):
    code = "move_blocked"
    message = _("This member cannot move yet: they have coins set aside for a booked service or a staff role. "
                "Finish or cancel those first.")


class ReasonRequired(InvalidInput):
    code = "reason_required"
    message = _("Say why (1 to 200 characters).")


class StationInOwnBank(InvalidInput):
    code = "station_in_own_bank"
    message = _("This station belongs to the member's own bank: change their station instead.")
