"""API shapes of complaints: filing one, the complaint as answered, and its handling steps."""
import datetime as dt

from ninja import Field, Schema

from timebank.lib.schema_types import InSchema
from timebank.lib.text import Line, Text
from timebank.suppliers.schemas import ReasonIn

__all__ = ["ComplaintIn", "ComplaintOut", "NoteIn", "ReasonIn", "ResolveIn"]


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
