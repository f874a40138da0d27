"""Shapes of the points-shop API."""
import datetime as dt

from ninja import Field, Schema

from timebank.lib.schema_types import InSchema
from timebank.lib.text import Line


class RewardItemOut(Schema):
    id: int
    branch_id: int
    name: str
    description: str
    price_points: int
    stock: int
    is_active: bool


class RewardOrderOut(Schema):
    id: int
    item_id: int
    person_id: int
    points: int
    status: str
    hold_id: int
    created_at: dt.datetime


class RewardItemIn(InSchema):
    branch_id: int = Field(..., ge=1, description="The branch whose shop offers it")
    name: Line = Field(..., min_length=1, max_length=80)
    description: Line = Field("", max_length=300)
    price_points: int = Field(..., ge=1, le=10**7)
    stock: int = Field(..., ge=0, le=10**6)
    is_active: bool = True


class RewardItemChange(InSchema):
    name: Line | None = Field(None, min_length=1, max_length=80)
    description: Line | None = Field(None, max_length=300)
    price_points: int | None = Field(None, ge=1, le=10**7)
    stock: int | None = Field(None, ge=0, le=10**6)
    is_active: bool | None = None
