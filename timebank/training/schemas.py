"""Shapes of the training API."""
import datetime as dt
from typing import Literal

from ninja import Field, Schema

from timebank.lib.schema_types import InSchema
from timebank.lib.text import Line, Text


class CourseOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    node_id: int
    valid_months: int


class SessionSignupOut(Schema):
    id: int
    session_id: int
    person_id: int
    status: str


class CertificateOut(Schema):
    id: int
    number: str
    course_id: int
    course_code: str
    course_name: str
    issued_at: dt.datetime
    expires_at: dt.datetime | None
    in_force: bool

    @staticmethod
    def resolve_course_code(obj) -> str:
        return obj.course.code

    @staticmethod
    def resolve_course_name(obj) -> str:
        return obj.course.name

    @staticmethod
    def resolve_in_force(obj) -> bool:
        return obj.in_force()


class SessionCheckInIn(InSchema):
    code: Line = Field(..., max_length=12, description="The code shown in the room (from 30 minutes before the start)")


class AttendanceIn(InSchema):
    person_ids: list[int] = Field(..., min_length=1, max_length=500,
                                  description="Who came: each gets the course's certificate (all or none)")


class CourseIn(InSchema):
    node_id: int = Field(..., ge=1, description="The unit that runs the course (a branch or station in your reach)")
    code: Line = Field(..., min_length=1, max_length=40, description="Letters, digits and underscores; fixed once set")
    name: Line = Field(..., min_length=1, max_length=100)
    kind: Literal["general", "practical", "professional"] = "general"
    valid_months: int = Field(24, ge=0, le=120, description="How long the certificate holds (0: for good)")
    description: Text = Field("", max_length=2000)


class SessionIn(InSchema):
    course_id: int = Field(..., ge=1)
    node_id: int = Field(..., ge=1, description="Where it takes place (a station or branch in your reach)")
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: Line = Field(..., min_length=1, max_length=200)
    capacity: int = Field(..., ge=1, le=1000)


class SessionOut(Schema):
    id: int
    course_id: int
    node_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    capacity: int
    signed_up_count: int
    check_in_code: str = Field(..., description="Shown in the room; volunteers type it to check in")
