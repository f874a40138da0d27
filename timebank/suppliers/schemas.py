"""API shapes of suppliers, orders, settlement, guaranteed fulfilment, meetings and the supplier
rules; money in integer fen, coins in minutes."""
import datetime as dt
import re
from typing import Annotated

from ninja import Field, Schema
from pydantic import BeforeValidator, WithJsonSchema

from timebank.lib.schema_types import InSchema
from timebank.lib.text import Line, Text


class LicenceIn(InSchema):
    kind: Line = Field(..., max_length=60)
    number: Line = Field(..., max_length=60)
    expires_on: dt.date


class OfferIn(InSchema):
    service_type_id: int
    price_fen: int
    accepts_coins: bool = True


class SupplierIn(InSchema):
    node_id: int
    name: Line = Field(..., max_length=100)
    credit_code: Line = Field(..., max_length=40)
    contact_name: Line = Field(..., max_length=50)
    contact_phone: Line = Field(..., max_length=20)
    address: Line = Field("", max_length=200)
    area_ids: list[int] = Field(default_factory=list, max_length=200)
    licences: list[LicenceIn] = Field(default_factory=list, max_length=20)
    offers: list[OfferIn] = Field(default_factory=list, max_length=50)


class SupplierPatch(InSchema):
    name: Line | None = Field(None, max_length=100)
    contact_name: Line | None = Field(None, max_length=50)
    contact_phone: Line | None = Field(None, max_length=20)
    address: Line | None = Field(None, max_length=200)
    area_ids: list[int] | None = Field(None, max_length=200)


class LicenceOut(Schema):
    id: int
    kind: str
    number: str
    expires_on: dt.date


class OfferOut(Schema):
    id: int
    service_type_id: int
    service_type: str = Field(..., alias="service_type.name")
    price_fen: int
    accepts_coins: bool


class SupplierOut(Schema):
    id: int
    name: str
    credit_code: str
    node_id: int
    status: str
    trial_until: dt.date | None
    exit_proposed_at: dt.datetime | None
    contact_name: str
    contact_phone: str
    address: str
    area_ids: list[int]
    licences: list[LicenceOut]
    offers: list[OfferOut]

    @staticmethod
    def resolve_area_ids(obj) -> list[int]:
        return sorted(obj.areas.values_list("pk", flat=True))

    @staticmethod
    def resolve_licences(obj):
        return list(obj.licences.all())

    @staticmethod
    def resolve_offers(obj):
        return list(obj.offers.filter(is_active=True).select_related("service_type"))


class ReasonIn(InSchema):
    reason: Text = Field("", max_length=300)


class AdmitIn(InSchema):
    trial: bool = False
    reason: Text = Field("", max_length=300)


class ScoreEventOut(Schema):
    at: dt.datetime
    reason: str
    delta: int
    value_after: int
    note: str
    link_type: str
    link_id: str


class ScoreOut(Schema):
    supplier_id: int
    year: int
    value: int
    history: list[ScoreEventOut]


class OrderIn(InSchema):
    supplier_id: int
    service_type_id: int
    elder_id: int
    starts_at: dt.datetime
    payment: Line = Field(..., max_length=10)
    address: Line = Field("", max_length=200)
    notes: Text = Field("", max_length=500)


class OrderOut(Schema):
    id: int
    supplier_id: int
    service_type_id: int
    elder_id: int
    station_id: int
    starts_at: dt.datetime
    address: str
    notes: str
    payment: str
    price_fen: int
    coin_minutes: int
    status: str
    demand_id: int | None
    rating: int | None
    comment: str
    decline_reason: str


class OrderConfirmIn(InSchema):
    rating: int | None = None
    comment: Text = Field("", max_length=500)


# ---- settlement, guaranteed fulfilment, meetings and the bank's supplier rules -------------------

def _month(value):
    """"YYYY-MM" → the month's first day; anything else is refused as a validation error (422)."""
    if isinstance(value, dt.date):
        return value.replace(day=1)
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}", value.strip()):
        raise ValueError("a month is written YYYY-MM, e.g. 2025-03")
    try:
        return dt.datetime.strptime(value.strip(), "%Y-%m").date()
    except ValueError:
        raise ValueError("no such month") from None


# A calendar month, sent as "YYYY-MM"; the code receives the month's first day.
Month = Annotated[dt.date, BeforeValidator(_month),
                  WithJsonSchema({"type": "string", "pattern": r"^\d{4}-\d{2}$", "examples": ["2025-03"]})]


class SettlementLineOut(Schema):
    order_id: int
    starts_at: dt.datetime = Field(..., alias="order.starts_at", description="when the order's service was due")
    service_type: str = Field(..., alias="order.service_type.name")
    coin_minutes: int
    amount_fen: int
    paid_at: dt.datetime | None
    voided_at: dt.datetime | None = Field(..., description="set: cancelled or missed before it was paid; owes nothing")


class SettlementOut(Schema):
    """What the bank's guarantee fund owes a supplier for one month; totals leave voided lines out."""

    supplier_id: int
    month: str = Field(..., description="YYYY-MM")
    lines: list[SettlementLineOut]
    coin_minutes: int
    total_fen: int
    unpaid_fen: int


class SettlementPaidIn(InSchema):
    month: Month


class SettlementPaidOut(SettlementOut):
    marked_paid: int = Field(..., description="lines this request marked paid (0: the month was paid already)")


class GuaranteeOfferOut(Schema):
    """An unclaimed coin request offered to your supplier: the first supplier to take it serves it."""

    id: int
    supplier_id: int
    demand_id: int
    service_type: str = Field(..., alias="demand.service_type.name")
    station_id: int = Field(..., alias="demand.station_id")
    station: str = Field(..., alias="demand.station.name")
    starts_at: dt.datetime = Field(..., alias="demand.starts_at")
    price_fen: int
    rank: int = Field(..., description="1: the cheapest and best-scored supplier it was offered to")
    status: str


class MeetingDecisionIn(InSchema):
    text: Line = Field(..., min_length=1, max_length=300)
    owner: Line = Field("", max_length=100, description="who carries it out; empty: —")
    due_on: dt.date | None = None


class MeetingIn(InSchema):
    held_on: dt.date
    title: Line = Field(..., max_length=100)
    attendees: Text = Field(..., max_length=2000)
    minutes: Text = Field(..., max_length=20000)
    supplier_ids: list[int] = Field(default_factory=list, max_length=200, description="the suppliers concerned")
    decisions: list[MeetingDecisionIn] = Field(default_factory=list, max_length=50)


class MeetingDecisionOut(Schema):
    text: str
    owner: str
    due_on: dt.date | None


class MeetingOut(Schema):
    id: int
    node_id: int
    held_on: dt.date
    title: str
    attendees: str
    minutes: str
    supplier_ids: list[int]
    decisions: list[MeetingDecisionOut]
    created_at: dt.datetime

    @staticmethod
    def resolve_supplier_ids(obj) -> list[int]:
        return sorted(s.pk for s in obj.suppliers.all())

    @staticmethod
    def resolve_decisions(obj):
        return sorted(obj.decisions.all(), key=lambda d: d.pk)


class SupplierRulesOut(Schema):
    """The bank's supplier rules in force: trial, deadlines, guarantee hours, the score table and thresholds."""

    bank_id: int
    effective_from: dt.datetime | None = Field(..., description="null: the built-in defaults, never changed")
    trial_days: int
    licence_warn_days: int
    guarantee_hours: int
    ack_working_days: int
    resolve_days: int
    score_start: int
    score_rating_1: int
    score_rating_2: int
    score_rating_3: int
    score_rating_4: int
    score_rating_5: int
    score_complaint_minor: int
    score_complaint_major: int
    score_complaint_serious: int
    score_late: int
    late_after_hours: int
    score_missed: int
    missed_after_hours: int
    score_commendation: int
    warn_below: int
    suspend_below: int
    exit_below: int


# The ranges of the columns (and of the rules page's form): positive counts, and signed score changes.
COUNT = Field(None, ge=0, le=2_147_483_647)
SCORE = Field(None, ge=-2_147_483_648, le=2_147_483_647)


class SupplierRulesChange(InSchema):
    """Only the rules to change; the others keep their value. The new rules are in force at once, the
    old ones stay in the history (audited). Thresholds go down: warn ≥ suspend ≥ propose exit."""

    trial_days: int | None = COUNT
    licence_warn_days: int | None = COUNT
    guarantee_hours: int | None = COUNT
    ack_working_days: int | None = COUNT
    resolve_days: int | None = COUNT
    score_start: int | None = SCORE
    score_rating_1: int | None = SCORE
    score_rating_2: int | None = SCORE
    score_rating_3: int | None = SCORE
    score_rating_4: int | None = SCORE
    score_rating_5: int | None = SCORE
    score_complaint_minor: int | None = SCORE
    score_complaint_major: int | None = SCORE
    score_complaint_serious: int | None = SCORE
    score_late: int | None = SCORE
    late_after_hours: int | None = COUNT
    score_missed: int | None = SCORE
    missed_after_hours: int | None = COUNT
    score_commendation: int | None = SCORE
    warn_below: int | None = SCORE
    suspend_below: int | None = SCORE
    exit_below: int | None = SCORE


class StaffIn(InSchema):
    """Add a staff member: an existing person (`person_id`, from the people search), or a new one registered
    at `station_id` of the supplier's bank with name, mobile, ID number, an initial password and consent."""

    person_id: int | None = None
    station_id: int | None = None
    name: Line = Field("", max_length=50)
    mobile: Line = Field("", max_length=20)
    id_number: Line = Field("", max_length=24)
    password: str = Field("", max_length=128, description="The initial password; they sign in with the mobile number")
    consent: bool = False


class StaffOut(Schema):
    supplier_id: int
    person_id: int
    name: str = Field(..., alias="person.name")
    since: dt.datetime = Field(..., alias="created_at")
    is_admin: bool = Field(False, description="The supplier's own admin: registers and removes its other staff")


class StaffAdminIn(InSchema):
    is_admin: bool
