"""Every movement of coins and points. `transfer_post`, `hold_create`, `hold_post` and `hold_void`
are the only primitives; the member-facing services (gift, donate, grant, credit, correct) are
built on them. Each locks the accounts it touches in ascending id order and nothing global.

The services live in modules by sub-domain and are all re-exported here, so callers keep
`from timebank.ledger import services`:
- `posting` — the primitives: the lock order, the row insert, `transfer_post`, `transfer_post_batch`
  (and `posting_time`, the clock seam: patch it on `services.posting`, where it is read);
- `holds` — two-phase transfers: hold, post all or part, void, extend, expire;
- `accounts` — members' and the bank's own accounts, opened on first use;
- `limits` — the money limits: the service credit under the daily and balance caps, redemption;
- `gifts` — gifts and donations made by members (or those acting for them);
- `grants`, `corrections` — the four-eyes flows, sharing the second admin's decision (`_four_eyes`);
- `crossbank` — coins between two banks of the platform, through their clearing accounts, and settling them;
- `verification` — the nightly ledger check.
A submodule imports from a sibling, never from this package."""
from .accounts import branch_of, clearing_account, member_account, system_account
from .corrections import correction_decide, correction_request
from .crossbank import (
    clearing_accounts_between,
    clearing_lock,
    clearing_settle,
    cross_bank_hold_post,
    cross_bank_post,
)
from .gifts import RELATIVES, are_relatives, donation_make, gift_send
from .grants import grant_decide, grant_make
from .holds import hold_create, hold_extend, hold_post, hold_void, holds_expire
from .limits import earned_today, redemption_allowed, service_credit
from .posting import MAX_AMOUNT, posting_time, transfer_post, transfer_post_batch
from .verification import ledger_verified_recently, ledger_verify_all

__all__ = [
    "MAX_AMOUNT",
    "RELATIVES",
    "are_relatives",
    "branch_of",
    "clearing_account",
    "clearing_accounts_between",
    "clearing_lock",
    "clearing_settle",
    "correction_decide",
    "correction_request",
    "cross_bank_hold_post",
    "cross_bank_post",
    "donation_make",
    "earned_today",
    "gift_send",
    "grant_decide",
    "grant_make",
    "hold_create",
    "hold_extend",
    "hold_post",
    "hold_void",
    "holds_expire",
    "ledger_verified_recently",
    "ledger_verify_all",
    "member_account",
    "posting_time",
    "redemption_allowed",
    "service_credit",
    "system_account",
    "transfer_post",
    "transfer_post_batch",
]
