"""Every write to demands and service records. Each transition is one function with a guard;
it authorises, validates, locks (the demand row first, then the assignment, then the volunteer's
person row — always in that order), writes, audits, and sends notices after commit.

Coins move only through the ledger's services:
- branch-paid: on confirm, `service_credit` posts minutes × rate from the branch issuance account;
- elder-paid (兑换): on publish the elder's coins are held, one hold per place (planned minutes ×
  rate each), because a ledger hold is posted once (a partial post releases the rest). At confirm
  the next pending hold of the demand is posted to the volunteer for the actual amount — never
  more than was held — and the rest released. Holds left over (unclaimed places, no-shows,
  rejected disputes) are voided when the demand closes, is cancelled or expires.
The idempotency key `assignment:<id>` makes a service credit exactly once whatever is retried.

The services live in modules by sub-domain and are all re-exported here, so callers keep
`from timebank.demands import services`:
- `service_types` — the bank's catalogue of service types;
- `publish` — a demand's own lifecycle: create, change, publish or send to review, cancel;
- `claim` — claim, claim for a team member, dispatch, unclaim; a volunteer's areas;
- `serve` — check-in, check-out, services recorded on paper;
- `confirm` — confirm, dispute and resolve, the volunteer's credit;
- `housekeeping` — the task worker's passes (expire, no-shows, auto-confirm, reminders);
- `series` — recurring demands;
- `guarantee` — guaranteed fulfilment (保底): a coin request handed to a supplier;
- `offers` — members' offers (我能提供), and a request made from one with the member assigned;
- `_common` — the shared private helpers (locks, visibility, audit, notices, checks).
A submodule imports shared helpers from `_common` (or a sibling), never from this package."""
from ._common import HOLD_MARGIN_DAYS, MAX_AHEAD, MAX_DURATION, MAX_HEADCOUNT, demand_notify
from .announce import demand_announce, demands_announce
from .claim import (
    claim_refused_at_once,
    demand_claim,
    demand_claim_for_member,
    demand_dispatch,
    demand_unclaim,
    volunteer_areas_set,
)
from .confirm import assignment_confirm, assignment_credit_retry, assignment_dispute, dispute_resolve
from .guarantee import demand_close_by_supplier, demand_hand_to_supplier, demand_release_by_supplier
from .housekeeping import assignments_auto_confirm, assignments_mark_no_show, demands_expire, reminders_send
from .offers import offer_create, offer_request, offer_set_status
from .publish import (
    PIN_MOVABLE,
    demand_cancel,
    demand_create,
    demand_point_set,
    demand_publish,
    demand_update,
    visitor_find,
)
from .series import (
    SERIES_HORIZON_DAYS,
    series_cancel,
    series_create,
    series_generate,
    series_generate_all,
    series_update,
)
from .serve import (
    CHECK_IN_EARLY,
    assignment_check_in,
    assignment_check_out,
    service_record_paper,
    services_record_paper_many,
)
from .service_types import service_type_save, service_types_seed

__all__ = [
    "PIN_MOVABLE",
    "demand_announce",
    "demands_announce",
    "CHECK_IN_EARLY",
    "HOLD_MARGIN_DAYS",
    "MAX_AHEAD",
    "MAX_DURATION",
    "MAX_HEADCOUNT",
    "SERIES_HORIZON_DAYS",
    "assignment_check_in",
    "assignment_check_out",
    "assignment_confirm",
    "assignment_credit_retry",
    "assignment_dispute",
    "assignments_auto_confirm",
    "assignments_mark_no_show",
    "demand_cancel",
    "claim_refused_at_once",
    "demand_claim",
    "demand_claim_for_member",
    "demand_close_by_supplier",
    "demand_create",
    "demand_dispatch",
    "demand_hand_to_supplier",
    "demand_notify",
    "demand_publish",
    "demand_release_by_supplier",
    "demand_unclaim",
    "demand_point_set",
    "demand_update",
    "visitor_find",
    "demands_expire",
    "dispute_resolve",
    "offer_create",
    "offer_request",
    "offer_set_status",
    "reminders_send",
    "series_cancel",
    "series_create",
    "series_generate",
    "series_generate_all",
    "series_update",
    "service_record_paper",
    "services_record_paper_many",
    "service_type_save",
    "service_types_seed",
    "volunteer_areas_set",
]
