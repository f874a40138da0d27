"""Every write to suppliers, orders, guaranteed fulfilment, scores and meetings.
Each authorises, validates, locks, writes, audits — in that order, inside one transaction.
Coins move only through the ledger's services (orders) or the demands' (guaranteed fulfilment).

The services live in modules by sub-domain and are all re-exported here, so callers keep
`from timebank.suppliers import services`:
- `registry` — the supplier register: apply, admit, suspend, remove; licences, offers, members,
  rules, scores and joint meetings;
- `orders` — supplier orders, guaranteed fulfilment (保底) and the fund's settlement;
- `_common` — the shared private helpers (the supplier row lock, members, messages, text checks).
A submodule imports shared helpers from `_common` (or a sibling), never from this package."""
from ._common import S
from .orders import (
    guarantee_accept,
    guarantee_offers_make,
    order_accept,
    order_book,
    order_cancel,
    order_confirm,
    order_decline,
    order_done,
    orders_auto_confirm,
    orders_mark_missed,
    orders_release_for_inactive_suppliers,
    settlement_mark_paid,
)
from .registry import (
    MAX_PRICE_FEN,
    NEEDS_REASON,
    TRANSITIONS,
    commendation_add,
    licence_add,
    licences_check,
    meeting_record,
    offer_set,
    score_apply,
    supplier_admin_set,
    supplier_admit,
    supplier_member_add,
    supplier_member_remove,
    supplier_register,
    supplier_rules_set,
    supplier_staff_register,
    supplier_transition,
    supplier_update,
)

__all__ = [
    "MAX_PRICE_FEN",
    "NEEDS_REASON",
    "S",
    "TRANSITIONS",
    "commendation_add",
    "guarantee_accept",
    "guarantee_offers_make",
    "licence_add",
    "licences_check",
    "meeting_record",
    "offer_set",
    "order_accept",
    "order_book",
    "order_cancel",
    "order_confirm",
    "order_decline",
    "order_done",
    "orders_auto_confirm",
    "orders_mark_missed",
    "orders_release_for_inactive_suppliers",
    "score_apply",
    "settlement_mark_paid",
    "supplier_admit",
    "supplier_admin_set",
    "supplier_member_add",
    "supplier_member_remove",
    "supplier_staff_register",
    "supplier_register",
    "supplier_rules_set",
    "supplier_transition",
    "supplier_update",
]
