"""Shapes of the training API."""
import datetime as dt

from ninja import Field, Schema

from timebank.lib.schema_types import InSchema
from timebank.lib.text import Line


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
