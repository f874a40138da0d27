"""Every write about people: registration, sign-up and approval, changes, proxies, passwords, tokens.

The services live in modules by sub-domain and are all re-exported here, so callers keep
`from timebank.people import services`:
- `registration` — one person or a roster at once, self sign-up, a volunteer's approval;
- `records` — changes to a person's record, the audited reveal of the full ID number;
- `proxies` — link, confirm (four eyes) and end a proxy for an elder;
- `sign_in` — staff reset a password or clear a lockout;
- `tokens` — API bearer tokens;
- `_common` — the checks registration and changes share (ages, today, mobile, station).
A submodule imports from `_common` (or a sibling), never from this package."""
from ._common import age_on, today
from .proxies import proxy_confirm, proxy_link, proxy_unlink
from .records import (
    EDITABLE_FIELDS,
    MAX_PERSON_PHOTO_BYTES,
    person_photo_set,
    person_reveal,
    person_update,
    volunteer_cards_issue,
    volunteer_tag_set,
)
from .registration import (
    CONSENT_VERSION,
    people_register_many,
    people_registration_check,
    person_register,
    volunteer_decide,
    volunteers_decide,
)
from .sign_in import login_unlock, password_reset_by_staff
from .tokens import api_token_authenticate, api_token_create, api_token_revoke, api_tokens_revoke_all

__all__ = [
    "CONSENT_VERSION",
    "EDITABLE_FIELDS",
    "MAX_PERSON_PHOTO_BYTES",
    "age_on",
    "api_token_authenticate",
    "api_token_create",
    "api_token_revoke",
    "api_tokens_revoke_all",
    "login_unlock",
    "password_reset_by_staff",
    "people_register_many",
    "people_registration_check",
    "person_photo_set",
    "person_register",
    "volunteer_cards_issue",
    "person_reveal",
    "volunteer_tag_set",
    "person_update",
    "proxy_confirm",
    "proxy_link",
    "proxy_unlink",
    "today",
    "volunteer_decide",
    "volunteers_decide",
]
