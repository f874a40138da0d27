"""API shapes for service types, demands and assignments. Times are ISO 8601 with the bank's
offset (Asia/Shanghai, +08:00) on the way out, and must carry an offset on the way in."""
import datetime as dt
from typing import Literal

from ninja import Field, Schema
from pydantic import StrictInt

from timebank.lib.schema_types import InSchema, LocalTime
from timebank.lib.text import Line, Text


class ServiceTypeOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    category: str
    mode: str
    default_minutes: int
    rate_percent: int = Field(..., description="Minutes credited per 100 minutes served")
    points_per_hour: int
    required_certificate: str
    is_active: bool


class ServiceTypeChange(InSchema):
    """The fields of a catalogue type a bank admin may change; those left out stay as they are."""
    name: Line | None = Field(None, min_length=1, max_length=60)
    name_en: Line | None = Field(None, max_length=60)
    category: Line | None = None
    mode: Literal["one_to_one", "group"] | None = None
    default_minutes: StrictInt | None = Field(None, ge=5, le=24 * 60)
    rate_percent: StrictInt | None = Field(None, ge=1, le=1000, description="Minutes credited per 100 minutes served")
    points_per_hour: StrictInt | None = Field(None, ge=0, le=10000)
    required_certificate: Line | None = Field(None, max_length=40)
    is_active: bool | None = None


class ServiceTypeIn(ServiceTypeChange):
    code: Line = Field(..., min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    name: Line = Field(..., min_length=1, max_length=60)
    category: Line


class ServiceTypeBrief(Schema):
    id: int = Field(..., alias="pk")
    code: str
    name: str
    name_en: str


class AssignmentOut(Schema):
    id: int
    demand_id: int
    volunteer_id: int
    volunteer_name: str = Field(..., alias="volunteer.name")
    status: str
    dispatched: bool
    claimed_at: LocalTime
    check_in_at: LocalTime | None
    check_in_method: str
    check_in_distance_m: int | None
    check_out_at: LocalTime | None
    served_minutes: int | None
    rating: int | None
    comment: str
    confirmed_at: LocalTime | None
    auto_confirmed: bool
    dispute_reason: str
    credited_minutes: int | None
    credited_points: int | None
    credit_transfer_ids: list[int]
    credit_error: str


def _elder_shown(demand, context) -> bool:
    from .selectors import elder_shown_to

    request = (context or {}).get("request")
    return elder_shown_to(getattr(request, "auth", None), demand)


class DemandOut(Schema):
    id: int
    status: str
    service_type: ServiceTypeBrief
    station_id: int
    station_name: str = Field(..., alias="station.name")
    branch_id: int
    elder_id: int | None
    elder_name: str | None = None
    for_community: bool
    address: str
    latitude: float | None
    longitude: float | None
    starts_at: LocalTime
    ends_at: LocalTime
    headcount: int
    claimed_count: int
    places_left: int
    notes: str
    payer: str
    series_id: int | None
    created_at: LocalTime
    published_at: LocalTime | None
    distance_m: int | None = None
    assignments: list[AssignmentOut] = []

    # Whom the demand serves is shown to exactly those the demand page shows it to (one selector):
    # the reader is the request's actor; without one, nothing is shown.
    @staticmethod
    def resolve_elder_id(obj, context) -> int | None:
        return obj.elder_id if obj.elder_id and _elder_shown(obj, context) else None

    @staticmethod
    def resolve_elder_name(obj, context) -> str | None:
        return obj.elder.name if obj.elder_id and _elder_shown(obj, context) else None

    @staticmethod
    def resolve_assignments(obj) -> list:
        # Lists carry none; one demand carries those the reader may see (set by the endpoint).
        return getattr(obj, "assignments_shown", [])


class FeedItemOut(Schema):
    """A demand in the volunteer's feed: what to decide on, without the elder's name."""
    id: int
    service_type: ServiceTypeBrief
    station_id: int = Field(..., alias="station.pk")
    station_name: str = Field(..., alias="station.name")
    address: str
    latitude: float | None
    longitude: float | None
    starts_at: LocalTime
    ends_at: LocalTime
    headcount: int
    places_left: int
    payer: str
    notes: str
    distance_m: int | None = None


class DemandIn(InSchema):
    station_id: StrictInt
    service_type_id: StrictInt
    elder_id: StrictInt | None = None
    elder_ids: list[StrictInt] = Field(default_factory=list, max_length=200)
    for_community: bool = False
    address: Line = Field("", max_length=200)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    starts_at: dt.datetime
    ends_at: dt.datetime
    headcount: StrictInt = 1
    notes: Text = Field("", max_length=2000)
    payer: Literal["branch", "elder"] = "branch"
    publish: bool = Field(True, description="Publish at once (a draft otherwise)")
    visitor_id_number: Line = Field(
        "", max_length=20, description="Station staff booking for a visiting elder of another bank (跨区兑换, paid "
        "with the elder's coins): the elder's resident ID number from their card; `elder_id` from "
        "`POST /demands/visitors`")


class DemandPointIn(InSchema):
    """The request's map point, placed by staff (both null: back to the station's point)."""
    latitude: float | None = Field(..., ge=-90, le=90)
    longitude: float | None = Field(..., ge=-180, le=180)


class WhoIn(InSchema):
    """Which assignment: staff name the volunteer (or the assignment); a volunteer means their own."""
    assignment_id: StrictInt | None = None
    volunteer_id: StrictInt | None = None


class CheckInIn(WhoIn):
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    station_code: Line = Field("", max_length=32)
    method: Literal["", "gps", "station_code", "staff"] = ""


class CheckOutIn(WhoIn):
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class ServiceConfirmIn(WhoIn):
    rating: StrictInt | None = Field(None, ge=1, le=5)
    comment: Text = Field("", max_length=500)


class DisputeIn(WhoIn):
    reason: Text = Field(..., min_length=1, max_length=500)


class CancelIn(InSchema):
    reason: Text = Field("", max_length=200)


class DispatchIn(InSchema):
    volunteer_id: StrictInt


class CandidateOut(Schema):
    volunteer_id: int
    name: str
    station_name: str | None
    distance_m: int | None
    average_rating: float | None
    upcoming_tasks: int
    skilled: bool = Field(False, description="said they can do this kind of service (listed first)")
    usually_free: bool = Field(False, description="said they are usually free at that part of the week")


class SeriesInstanceOut(Schema):
    id: int
    status: str
    starts_at: LocalTime
    ends_at: LocalTime
    headcount: int
    claimed_count: int


class SeriesOut(Schema):
    """A weekly request: its rule (local wall-clock times, Asia/Shanghai) and its coming dates."""
    id: int
    station_id: int
    service_type: ServiceTypeBrief
    elder_id: int | None
    weekday: int = Field(..., description="Monday = 0")
    start_time: dt.time
    duration_minutes: int
    starts_on: dt.date
    until: dt.date
    headcount: int
    address: str
    notes: str
    payer: str
    cancelled_at: LocalTime | None
    upcoming: list[SeriesInstanceOut] = []

    @staticmethod
    def resolve_upcoming(obj) -> list:
        return getattr(obj, "upcoming_shown", [])


class SeriesChangeIn(InSchema):
    """What to change; fields left out stay as they are."""
    start_time: dt.time | None = None
    duration_minutes: StrictInt | None = Field(None, ge=5, le=12 * 60)
    until: dt.date | None = None
    headcount: StrictInt | None = Field(None, ge=1, le=200)
    notes: Text | None = Field(None, max_length=2000)
    address: Line | None = Field(None, max_length=200)


class SeriesChangeOut(Schema):
    series: SeriesOut
    changed: list[int] = Field(..., description="Coming dates moved or changed (cancelled if after `until`)")
    kept: list[int] = Field(..., description="Coming dates left as they were because a volunteer has taken them")


class PaperServiceIn(InSchema):
    volunteer_id: StrictInt = Field(..., description="An approved volunteer of the demand's branch")
    started_at: dt.datetime
    ended_at: dt.datetime
    reason: Line = Field(..., min_length=1, max_length=200, description="Why it was recorded on paper")


class PaperRowIn(InSchema):
    demand_id: StrictInt
    volunteer_id: StrictInt = Field(..., description="An approved volunteer of the demand's branch")
    served_minutes: StrictInt = Field(..., ge=1, le=24 * 60, description="From the planned start")


class PaperServicesIn(InSchema):
    rows: list[PaperRowIn] = Field(..., min_length=1, max_length=200)
    reason: Line = Field(..., min_length=1, max_length=200, description="Why it was recorded on paper")


class PaperRowOut(Schema):
    demand_id: int
    volunteer_id: int
    ok: bool
    assignment_id: int | None = None
    served_minutes: int | None = None
    code: str = ""
    message: str = ""


class PaperServicesOut(Schema):
    results: list[PaperRowOut]


class DisputeResolveIn(InSchema):
    decision: Literal["credit", "reject"]
    served_minutes: StrictInt | None = Field(None, ge=0, description="To credit fewer minutes than were recorded")
    note: Text = Field(..., min_length=1, max_length=500)


class AreaOut(Schema):
    id: int
    name: str
    home: bool = Field(..., description="the branch of your own station: always yours")
    chosen: bool = Field(..., description="you see and may take this branch's requests")


class AreasIn(InSchema):
    branch_ids: list[StrictInt] = Field(..., max_length=200,
                                        description="the further branches of your bank you want to serve in")


class NoticePreferenceBody(InSchema):
    new_demands: bool = Field(True, description="Tell me about new requests I could take")
    new_demands_by_sms: bool = Field(False, description="Also by short message")
    max_km: int = Field(3, ge=1, le=50, description="At most this far from my station")
    service_codes: list[Line] = Field([], max_length=100, description="Kinds of service (empty: all)")
    free_slots: list[Line] = Field([], max_length=21, description="mon_am … sun_eve (empty: any time)")


class MemberOfferIn(InSchema):
    """我能提供: what the member can offer, at their home station."""
    service_type_id: StrictInt = Field(..., description="a kind of service of the bank (GET /api/v1/service-types)")
    description: Line = Field(..., max_length=200, description="in the member's words, 1 to 200 characters")
    free_slots: list[Line] = Field([], max_length=21, description="when usually free: mon_am … sun_eve, each once")


class MemberOfferOut(Schema):
    id: int
    status: str = Field(..., description="active, paused or withdrawn")
    service_type_id: int
    service_type_name: str = Field(..., alias="service_type.name")
    description: str
    free_slots: list[str]
    station_id: int
    station_name: str = Field(..., alias="station.name")
    person_id: int | None = Field(None, alias="person_id_shown",
                                  description="the member who offers it (staff and the member themself)")
    person_name: str = Field(..., description="in full for staff and the member themself, else masked (张*)")
    created_at: LocalTime
    request_ids: list[int] = Field([], description="requests made from it (staff and the member themself)")


class OfferRequestIn(InSchema):
    """Staff make a request from an offer: for this elder, at this time, the member assigned."""
    elder_id: StrictInt
    starts_at: dt.datetime
    minutes: StrictInt | None = Field(None, ge=15, le=720, description="default: the kind of service's usual length")
    payer: Literal["branch", "elder"] = "branch"
    notes: Text = Field("", max_length=2000)


class ElsewhereStationOut(Schema):
    id: int
    name: str
    branch: str


class ElsewhereServiceTypeOut(Schema):
    id: int
    code: str
    name: str


class ElsewhereBankOut(Schema):
    """A bank of the platform where the caller's elders may book a service paid with their coins (跨区兑换)."""
    id: int
    name: str
    stations: list[ElsewhereStationOut]
    service_types: list[ElsewhereServiceTypeOut]


class VisitorIn(InSchema):
    mobile: Line = Field(max_length=20, description="The visiting elder's mobile number")
    id_number: Line = Field(max_length=20, description="The resident ID number on the card the elder shows")


class VisitorOut(Schema):
    """Only what the counter needs to book: whom it found, name masked, and their bank."""
    elder_id: int
    name: str = Field(description="Masked (张*明)")
    bank_id: int
    bank_name: str
