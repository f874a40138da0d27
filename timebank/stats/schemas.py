"""API shapes of the statistics. Minutes and coins (minutes) are integers; percentages may be null
when there is nothing to divide by."""
from ninja import Schema


class StatsNodeOut(Schema):
    id: int
    name: str
    kind: str


class PeopleOut(Schema):
    elders_new: int
    elders_total: int
    volunteers_new: int
    volunteers_total: int


class ServicesOut(Schema):
    person_times: int
    served_minutes: int


class CoinsOut(Schema):
    issued: int
    redeemed: int
    donated: int
    outstanding: int


class TypeRowOut(Schema):
    code: str
    name: str
    category: str
    services: int
    served_minutes: int


class CategoryRowOut(Schema):
    category: str
    name: str
    services: int
    served_minutes: int


class UnmetOut(Schema):
    demands: int
    expired: int
    partly_filled: int
    unmet: int
    unmet_percent: float | None
    places_requested: int
    avg_minutes_to_claim: int | None


class NoShowOut(Schema):
    no_shows: int
    due: int
    percent: float | None


class RatingOut(Schema):
    ratings: int
    average: float | None


class ActiveOut(Schema):
    days_30: int
    days_90: int


class RetentionRowOut(Schema):
    month: str
    joined: int
    active_90_days: int
    percent: float | None


class TopVolunteerOut(Schema):
    id: int
    name: str
    station: str
    services: int
    served_minutes: int


class TopTeamOut(Schema):
    id: int
    name: str
    unit: str
    services: int
    served_minutes: int


class ChildRowOut(Schema):
    id: int
    name: str
    kind: str
    is_closed: bool
    person_times: int
    served_minutes: int
    coins_issued: int
    demands: int
    expired: int
    elders_total: int
    volunteers_total: int
    outstanding: int


class SummaryOut(Schema):
    node: StatsNodeOut
    date_from: str
    date_to: str
    people: PeopleOut
    teams: int
    services: ServicesOut
    coins: CoinsOut
    by_type: list[TypeRowOut]
    by_category: list[CategoryRowOut]
    unmet: UnmetOut
    no_show: NoShowOut
    rating: RatingOut
    active_volunteers: ActiveOut
    retention: list[RetentionRowOut]
    top_volunteers: list[TopVolunteerOut]
    top_teams: list[TopTeamOut]
    children: list[ChildRowOut]


class PointOut(Schema):
    start: str
    value: int


class TimeseriesOut(Schema):
    node: StatsNodeOut
    metric: str
    bucket: str
    date_from: str
    date_to: str
    points: list[PointOut]
