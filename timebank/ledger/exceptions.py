"""Why the ledger refused to move coins. Nothing was posted when any of these is raised."""
from django.utils.translation import gettext_lazy as _

from timebank.lib.errors import Conflict, DomainError, InvalidInput


class AmountInvalid(InvalidInput):
    code = "amount_invalid"
    message = _("The amount must be a whole number greater than zero.")


class InsufficientBalance(Conflict):
    code = "insufficient_balance"
    message = _("Not enough coins available.")


class CurrencyMismatch(InvalidInput):
    code = "currency_mismatch"
    message = _("Both accounts must hold the same currency.")


class SameAccount(InvalidInput):
    code = "same_account"
    message = _("Coins cannot move from an account to itself.")


class AccountUnknown(DomainError):
    code = "account_unknown"
    message = _("This account does not exist or is not yours to use.")
    status = 404


class OtherBank(InvalidInput):
    code = "other_bank"
    message = _("The receiving account belongs to another bank.")


class SameBank(InvalidInput):
    code = "same_bank"
    message = _("Both accounts are in the same bank: this is an ordinary transfer, not one between banks.")


class IdempotencyConflict(Conflict):
    code = "idempotency_key_reused"
    message = _("This key was already used for a different transfer.")


class HoldNotPending(Conflict):
    code = "hold_not_pending"
    message = _("This hold was already settled, released or expired.")


class HoldAmountExceeded(InvalidInput):
    code = "hold_amount_exceeded"
    message = _("More than the held amount cannot be posted.")


class GiftNotAllowed(DomainError):
    code = "gift_not_allowed"
    message = _("Coins may only be given to registered relatives in this bank.")
    status = 403


class GiftToSelf(InvalidInput):
    code = "gift_to_self"
    message = _("You cannot give coins to yourself.")


class GiftToActor(DomainError):
    code = "gift_to_actor"
    message = _("Coins you spend for someone else cannot be given to yourself.")
    status = 403


class LimitExceeded(Conflict):
    code = "limit_exceeded"
    message = _("This is above the bank's limit.")


class BalanceCapExceeded(Conflict):
    code = "balance_cap_exceeded"
    message = _("This would take the balance above the bank's cap.")


class RedemptionNotYetAllowed(Conflict):
    code = "redemption_not_yet_allowed"
    message = _("Coins can be spent only after the minimum service set by the bank.")


class RedemptionAcrossBanksNotAllowed(Conflict):
    code = "redeem_across_banks_not_allowed"
    message = _("Coins of one bank pay for a service in another only where both banks allow it.")


class CorrectionInvalid(InvalidInput):
    code = "correction_invalid"
    message = _("This correction is not possible.")


class AlreadyDecided(Conflict):
    """A grant or correction decided a second time (a double click, two admins at once)."""
    code = "already_decided"
    message = _("This was already decided.")


class ApprovalRequired(Conflict):
    code = "approval_required"
    message = _("A second admin must approve this.")
