"""Shapes of the teams API."""
from ninja import Field, Schema

from timebank.lib.schema_types import InSchema
from timebank.lib.text import Line, Text


class TeamIn(InSchema):
    node_id: int
    name: Line = Field(..., min_length=1, max_length=80)
    leader_id: int
    description: Text = Field("", max_length=2000)


class TeamOut(Schema):
    id: int
    name: str
    node_id: int
    leader_id: int
    description: str


class MembershipOut(Schema):
    id: int
    team_id: int
    person_id: int
    status: str


class TeamClaimIn(InSchema):
    demand_id: int = Field(..., ge=1, description="A group activity the team may take places on")
    member_ids: list[int] = Field(..., min_length=1, max_length=100, description="Approved members, one place each")


class TeamPlaceOut(Schema):
    id: int
    demand_id: int
    volunteer_id: int
    status: str
