"""Every write about health: cards, devices, readings (batch ingest and hand entry), thresholds,
consent, and the alert workflow with its escalation.

The services live in modules by sub-domain and are all re-exported here, so callers keep
`from timebank.health import services`:
- `cards` — issue a health card, report it lost, reissue it;
- `devices` — register and revoke a station's devices, authenticate their tokens;
- `readings` — a device's batch ingest and a reading entered by hand, checked and classified;
- `alerts` — how alerts open from new readings, and the notices they send;
- `alert_steps` — acknowledge, follow up, close, and escalation of unacknowledged urgent alerts;
- `thresholds` — the bank's and one elder's limits;
- `privacy` — a proxy's consent to see health values, and the audit of every look and export.
A submodule imports what it shares from a sibling, never from this package."""
from .. import selectors  # noqa: F401 — reached as `services.selectors` by callers of the single module
from .alert_steps import STEP_ORDER, alert_acknowledge, alert_close, alert_follow_up, alerts_escalate
from .alerts import HIGH_LEVELS, URGENT_RULE
from .cards import card_issue, card_reissue, card_report_lost
from .devices import DEVICE_TOKEN_PREFIX, device_authenticate, device_register, device_revoke
from .privacy import alert_contacts_reveal, health_export_record, health_view_record, proxy_health_consent_set
from .readings import (
    ACTIVE_PERSON,
    ALL_VALUE_FIELDS,
    BP,
    CONTEXTS,
    FOREIGN_FIELDS,
    FUTURE_SKEW,
    GLUCOSE,
    KINDS,
    LOST,
    MAX_BATCH,
    READING_COLUMNS,
    REPLACED,
    VALUE_FIELDS,
    reading_enter,
    reading_values,
    readings_ingest,
)
from .thresholds import THRESHOLD_FIELDS, thresholds_set

__all__ = [
    "alert_contacts_reveal",
    "ACTIVE_PERSON",
    "ALL_VALUE_FIELDS",
    "BP",
    "CONTEXTS",
    "DEVICE_TOKEN_PREFIX",
    "FOREIGN_FIELDS",
    "FUTURE_SKEW",
    "GLUCOSE",
    "HIGH_LEVELS",
    "KINDS",
    "LOST",
    "MAX_BATCH",
    "READING_COLUMNS",
    "REPLACED",
    "STEP_ORDER",
    "THRESHOLD_FIELDS",
    "URGENT_RULE",
    "VALUE_FIELDS",
    "alert_acknowledge",
    "alert_close",
    "alert_follow_up",
    "alerts_escalate",
    "card_issue",
    "card_reissue",
    "card_report_lost",
    "device_authenticate",
    "device_register",
    "device_revoke",
    "health_export_record",
    "health_view_record",
    "proxy_health_consent_set",
    "reading_enter",
    "reading_values",
    "readings_ingest",
    "thresholds_set",
]
