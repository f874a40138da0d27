"""Wire shapes of the health API."""
import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import BaseModel

from timebank.lib.schema_types import InSchema
from timebank.lib.text import Line, Text


class ReadingBatchIn(InSchema):
    """Each item: `card_uid`, `kind` (`bp` | `glucose` | `heart_rate`), `measured_at` (ISO 8601 with offset),
    `sequence` (the device's own counter, ≥ 0) and the values: `systolic` + `diastolic` (mmHg) for bp;
    `glucose` + `unit` (`mmol/L` | `mg/dL`, converted at 18.0 mg/dL per mmol/L) + `context`
    (`fasting` | `after_meal` | `random`) for glucose; `bpm` for heart_rate. Items are checked one by one."""

    station_id: int | None = Field(None, ge=1, le=2 ** 63 - 1,
                                   description="optional: refused unless it is the device's own station")
    readings: list[Any] = Field(..., min_length=1, max_length=1000)


# Plain pydantic models, not ninja Schemas: a 1,000-item answer is built from dicts, and ninja's
# per-object attribute resolver cost more than the readings' INSERT when profiled.
class ItemResultOut(BaseModel):
    index: int
    sequence: int | None = None
    status: str = Field(..., description="stored | duplicate | rejected")
    code: str | None = None
    id: int | None = None


class BatchOut(BaseModel):
    stored: int
    duplicate: int
    rejected: int
    results: list[ItemResultOut]


class ReadingOut(Schema):
    id: int
    kind: str
    systolic: int | None
    diastolic: int | None
    glucose_mmol_l: str | None
    glucose: int | None = Field(None, description="hundredths of mmol/L")
    glucose_context: str
    bpm: int | None
    level: str
    measured_at: dt.datetime
    station_id: int
    manual: bool
    advice: str = Field("", description="the plain-words advice the elder reads for this reading's level")

    @staticmethod
    def resolve_advice(obj) -> str:
        from .classification import advice_for

        return advice_for(obj.kind, obj.level)

    @staticmethod
    def resolve_glucose_mmol_l(obj) -> str | None:
        return None if obj.glucose is None else f"{obj.glucose // 100}.{obj.glucose % 100:02d}"


class ManualReadingIn(Schema):
    kind: str
    systolic: int | None = None
    diastolic: int | None = None
    glucose: float | None = None
    unit: str | None = None
    context: str | None = None
    bpm: int | None = None
    measured_at: str


class CardIn(InSchema):
    elder_id: int = Field(..., ge=1, le=2 ** 63 - 1)
    uid: Line = Field(..., max_length=40)
    replaces: int | None = Field(None, ge=1, le=2 ** 63 - 1, description="reissue: the id of the elder's current or lost card")


class CardOut(Schema):
    id: int
    elder_id: int
    uid: str
    status: str
    issued_at: dt.datetime
    ended_at: dt.datetime | None


class AlertOut(Schema):
    id: int
    elder_id: int
    elder_name: str
    station_id: int
    rule: str
    severity: str
    status: str
    readings_count: int
    opened_at: dt.datetime
    escalations: int
    level_node_id: int
    acknowledged_at: dt.datetime | None
    followed_up_at: dt.datetime | None
    outcome: str
    note: str
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_elder_name(obj) -> str:
        return obj.elder.name


class FollowUpIn(InSchema):
    outcome: Line = Field(..., description="phoned | visited | referred | no_answer")
    note: Text = Field("", max_length=2000)


class CloseIn(InSchema):
    note: Text = Field("", max_length=2000)


class ThresholdsBody(Schema):
    bp_systolic_high: int
    bp_diastolic_high: int
    bp_systolic_urgent: int
    bp_diastolic_urgent: int
    glucose_fasting_high: int
    glucose_after_meal_high: int
    glucose_low: int
    glucose_urgent_low: int
    heart_rate_low: int
    heart_rate_high: int
    heart_rate_urgent_low: int
    heart_rate_urgent_high: int
    sustained_high_count: int
    sustained_last: int
    sustained_days: int
    escalate_after_minutes: int


class ThresholdsOut(ThresholdsBody):
    source: str = Field(..., description="default | bank | elder")
    reason: str
    effective_from: dt.datetime | None


class ThresholdsIn(InSchema):
    """Only the limits to change (glucose in hundredths of mmol/L); a reason is required."""

    reason: Text = Field(..., max_length=200)
    effective_from: dt.datetime | None = Field(None, description="when the new limits start (default: now)")
    bp_systolic_high: int | None = None
    bp_diastolic_high: int | None = None
    bp_systolic_urgent: int | None = None
    bp_diastolic_urgent: int | None = None
    glucose_fasting_high: int | None = None
    glucose_after_meal_high: int | None = None
    glucose_low: int | None = None
    glucose_urgent_low: int | None = None
    heart_rate_low: int | None = None
    heart_rate_high: int | None = None
    heart_rate_urgent_low: int | None = None
    heart_rate_urgent_high: int | None = None
    sustained_high_count: int | None = None
    sustained_last: int | None = None
    sustained_days: int | None = None
    escalate_after_minutes: int | None = None


class BankThresholdsIn(ThresholdsIn):
    """Only the limits to change, for the whole bank (elders with their own limits keep them)."""

    reason: Text = Field("", max_length=200)


class DeviceIn(InSchema):
    station_id: int = Field(..., ge=1, le=2 ** 63 - 1, description="the open service station the device stands in")
    serial: Line = Field(..., min_length=1, max_length=64)
    model: Line = Field("", max_length=64)


class DeviceOut(Schema):
    id: int
    serial: str
    model: str
    station_id: int
    station_name: str = Field(..., alias="station.name")
    token_prefix: str = Field(..., alias="prefix", description="the first characters of its token, to tell tokens apart")
    created_at: dt.datetime
    last_seen_at: dt.datetime | None
    revoked_at: dt.datetime | None


class DeviceCreatedOut(DeviceOut):
    token: str = Field(..., description="the device's token, shown this once: put it into the device now")


class ConsentOut(Schema):
    proxy_id: int
    proxy_name: str
    relation: str
    linked: bool = Field(..., description="a live proxy link (family member or helper) to the elder")
    shares: bool = Field(..., description="sees the health values and hears of alerts now")
    since: dt.datetime | None


class ConsentIn(InSchema):
    consent: bool


class ContactOut(Schema):
    """A number to ring about an open alert (shown in full; each reveal is audited)."""
    name: str
    relation: str
    number: str
