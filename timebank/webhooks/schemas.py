import datetime as dt
from typing import Literal

from ninja import Field, Schema

from timebank.lib.schema_types import InSchema
from timebank.lib.text import Line

EventName = Literal["service.confirmed", "demand.unfilled", "alert.opened"]


class EndpointIn(InSchema):
    url: Line = Field(..., max_length=500, description="Where to POST: https://… (plain http only in development "
                                                       "or to hosts in TIMEBANK_WEBHOOK_PLAIN_HTTP_HOSTS)")
    events: list[EventName] = Field(..., min_length=1, max_length=3)
    description: Line = Field("", max_length=200)


class EndpointOut(Schema):
    id: int
    url: str
    events: list[str]
    description: str
    created_at: dt.datetime


class EndpointCreated(EndpointOut):
    secret: str = Field(..., description="The signing secret, shown this once: keep it with the receiving system")


class DeliveryOut(Schema):
    id: str
    event: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    delivered_at: dt.datetime | None
    payload: dict

    @staticmethod
    def resolve_id(obj) -> str:
        return str(obj.id)
