from ninja import Field, Schema

from timebank.lib.schema_types import InSchema, LocalTime
from timebank.lib.text import Line


class BroadcastTargetIn(InSchema):
    node_id: int = Field(description="Where: a node in your reach; its whole subtree is included")
    audience: Line = Field(max_length=20, description="elders, volunteers, team or certificate")
    team_id: int | None = Field(None, description="With audience=team")
    course_code: Line = Field("", max_length=40, description="With audience=certificate: the course's code")
    by_sms: bool = False


class BroadcastIn(BroadcastTargetIn):
    text: Line = Field(max_length=300)
    token: Line = Field(min_length=8, max_length=40, description="One per message: sending it again sends nothing")


class ReachOut(Schema):
    people: int
    sms: int = Field(description="By short message (and in their messages)")
    inbox_only: int = Field(description="In their messages on the site only")
    call_list: int = Field(description="No mobile phone: put on the station's call list")


class BroadcastOut(Schema):
    id: int
    node_id: int
    audience: str
    team_id: int | None
    course_code: str
    text: str
    by_sms: bool
    sent_by_id: int
    created_at: LocalTime
    recipients: int
    sms_count: int
    inbox_only_count: int
    call_list_count: int
