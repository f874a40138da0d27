"""API shapes for the organisation tree."""
import datetime as dt
from typing import Literal

from ninja import Field, Schema

from timebank.lib.schema_types import InSchema
from timebank.lib.text import Line


class NodeOut(Schema):
    id: int
    kind: str
    name: str
    name_en: str
    code: str
    parent_id: int | None
    bank_id: int | None
    path: str
    depth: int
    is_closed: bool
    address: str
    phone: str
    opening_hours: str


class NodeChildIn(InSchema):
    name: Line = Field(..., min_length=1, max_length=100)
    name_en: Line = Field("", max_length=100)


class NodeChange(InSchema):
    name: Line | None = Field(None, min_length=1, max_length=100)
    name_en: Line | None = Field(None, max_length=100)
    address: Line | None = Field(None, max_length=200)
    code: Line | None = Field(None, max_length=32, description="The check-in code volunteers type at a station")
    phone: Line | None = Field(None, max_length=20, description="Digits as people write them, e.g. 021-65432100")
    opening_hours: Line | None = Field(None, max_length=100)


class RoleGrantIn(InSchema):
    mobile: Line = Field(..., max_length=20, description="The person's mobile number (their sign-in name)")
    role: Line = Field(..., max_length=32, description="A role you may grant, e.g. station_staff")
    node_id: int = Field(..., ge=1)


class RoleGrantOut(Schema):
    id: int
    person_id: int
    role: str
    node_id: int
    granted_at: dt.datetime


MINUTES = Field(None, ge=0, le=2_000_000_000)


class BankRulesOut(Schema):
    """The rules in force at a bank (minutes for coins, 0 meaning "no limit"). Each app keeps its own
    part (orgs/rules.py); a test holds this document to the parts' fields."""

    bank_id: int
    effective_from: dt.datetime | None = Field(..., description="the latest change; null: the shipped defaults")
    volunteer_approval_required: bool
    volunteer_min_age: int
    elder_min_age: int
    daily_earn_cap_minutes: int
    balance_cap_minutes: int
    overflow_policy: str = Field(..., description="reject | donate: a credit above the balance cap")
    min_service_minutes_before_redeem: int
    min_days_before_redeem: int
    points_per_hour: int
    gift_recipients: str = Field(..., description="relatives | any")
    gift_max_minutes: int
    correction_approval_minutes: int
    hold_timeout_hours: int
    redeem_across_banks: bool = Field(..., description="services booked across the platform's banks, paid with "
                                      "the elder's coins (跨区兑换); both banks must allow it")
    demand_review_required: bool
    checkin_radius_m: int
    unclaim_cutoff_hours: int
    no_show_grace_minutes: int
    auto_confirm_days: int
    service_tolerance_minutes: int
    team_hours_donation_only: bool
    orientation_course_code: str
    certificate_reminder_days: int
    honour_thresholds_hours: str = Field(..., description="whole hours, ascending, comma-separated")


class BankRulesChange(InSchema):
    """Only the rules to change; the others keep their value. The new rules are in force at once, and
    the old ones stay in the history (audited)."""

    volunteer_approval_required: bool | None = None
    volunteer_min_age: int | None = Field(None, ge=0, le=120)
    elder_min_age: int | None = Field(None, ge=0, le=120)
    daily_earn_cap_minutes: int | None = MINUTES
    balance_cap_minutes: int | None = MINUTES
    overflow_policy: Literal["reject", "donate"] | None = None
    min_service_minutes_before_redeem: int | None = MINUTES
    min_days_before_redeem: int | None = Field(None, ge=0, le=36_500)
    points_per_hour: int | None = Field(None, ge=0, le=100_000)
    gift_recipients: Literal["relatives", "any"] | None = None
    gift_max_minutes: int | None = MINUTES
    correction_approval_minutes: int | None = MINUTES
    hold_timeout_hours: int | None = Field(None, ge=1, le=87_600)
    redeem_across_banks: bool | None = None
    demand_review_required: bool | None = None
    checkin_radius_m: int | None = Field(None, ge=0, le=100_000)
    unclaim_cutoff_hours: int | None = Field(None, ge=0, le=8_760)
    no_show_grace_minutes: int | None = Field(None, ge=0, le=100_000)
    auto_confirm_days: int | None = Field(None, ge=0, le=3_650)
    service_tolerance_minutes: int | None = Field(None, ge=0, le=100_000)
    team_hours_donation_only: bool | None = None
    orientation_course_code: Line | None = Field(None, max_length=40, description="empty: no orientation required")
    certificate_reminder_days: int | None = Field(None, ge=0, le=3_650)
    honour_thresholds_hours: Line | None = Field(None, min_length=1, max_length=80,
                                                 description="e.g. 100,300,600,1000,1500")
