"""API shapes for the organisation tree."""
import datetime as dt

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


class NodeChildIn(InSchema):
    name: Line = Field(..., min_length=1, max_length=100)
    name_en: Line = Field("", max_length=100)


class NodeChange(InSchema):
    name: Line | None = Field(None, min_length=1, max_length=100)
    name_en: Line | None = Field(None, max_length=100)
    address: Line | None = Field(None, max_length=200)


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
