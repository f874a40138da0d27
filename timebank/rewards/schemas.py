"""Shapes of the points-shop API."""
import datetime as dt

from ninja import Schema


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
