"""API shapes of suppliers, orders and complaints; money in integer fen, coins in minutes."""
import datetime as dt

from ninja import Field, Schema

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


class ComplaintIn(InSchema):
    subject: Line = Field(..., max_length=10)
    category: Line = Field(..., max_length=10)
    text: Text = Field(..., max_length=2000)
    severity: Line = Field("minor", max_length=8)
    complainant_id: int | None = None
    supplier_id: int | None = None
    volunteer_id: int | None = None
    assignment_id: int | None = None
    order_id: int | None = None


class ComplaintOut(Schema):
    id: int
    subject: str
    category: str
    severity: str
    text: str
    status: str
    supplier_id: int | None
    volunteer_id: int | None
    assignment_id: int | None
    order_id: int | None
    node_id: int
    owner_node_id: int
    due_at: dt.datetime
    escalations: int
    reject_reason: str
    outcome: str
    upheld: bool | None
    volunteer_suspended: bool
    correction_id: int | None
    created_at: dt.datetime


class ResolveIn(InSchema):
    outcome: Text = Field(..., max_length=2000)
    upheld: bool
    severity: Line | None = Field(None, max_length=8)
    suspend_volunteer: bool = False
    correct_transfer_id: int | None = Field(None, ge=1, le=2**62, description="a coin movement the complaint is about")
    correct_minutes: int | None = Field(None, ge=1, le=10**9, description="default: the whole movement")


class NoteIn(InSchema):
    note: Text = Field("", max_length=500)
