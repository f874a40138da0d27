from ninja import Field, Schema

from timebank.audit.services import audit_record
from timebank.lib.schema_types import InSchema, LocalTime
from timebank.lib.text import Line

from .selectors import phones_for


class NoticeOut(Schema):
    id: int
    kind: str
    title: str
    text: str
    subject_type: str
    subject_id: int | None
    link: str
    label: str
    created_at: LocalTime
    read_at: LocalTime | None

    @staticmethod
    def resolve_title(obj) -> str:
        return str(obj.get_kind_display())


class PhoneOut(Schema):
    name: str
    number: str


class CallOut(Schema):
    id: int
    outcome: str
    note: str
    at: LocalTime
    called_by_id: int


class CallListItemOut(Schema):
    """A notice on the call list, with whom to ring (numbers in full: the list is for phoning)."""
    notice: NoticeOut
    person_id: int
    person_name: str
    station: str
    phones: list[PhoneOut]
    calls: list[CallOut]

    @staticmethod
    def resolve_notice(obj):
        return obj

    @staticmethod
    def resolve_person_name(obj) -> str:
        return obj.person.name

    @staticmethod
    def resolve_station(obj) -> str:
        return obj.person.node.name if obj.person.node else ""

    @staticmethod
    def resolve_phones(obj, context) -> list[dict]:
        """Numbers in full, each row's showing in the audit log (as the page records its people)."""
        request = context["request"]
        audit_record(actor=request.auth, action="notice.call_numbers_shown", obj=obj.person, node=obj.person.node,
                     bank=obj.person.bank, changes={"notice": obj.pk, "via": "api"})
        return [{"name": name, "number": number} for name, number in phones_for([obj.person])[obj.person_id]]

    @staticmethod
    def resolve_calls(obj) -> list:
        return list(obj.calls.all())


class CallIn(InSchema):
    outcome: Line = Field(max_length=20, description="reached, no_answer or wrong_number")
    note: Line = Field("", max_length=200)


class PushKeysIn(InSchema):
    p256dh: Line = Field(max_length=200)
    auth: Line = Field(max_length=200)


class PushSubscriptionIn(InSchema):
    """As the browser's PushSubscription.toJSON() gives it."""
    endpoint: Line = Field(max_length=500)
    keys: PushKeysIn
    expirationTime: int | None = None  # noqa: N815 - the browser's own name


class PushSubscriptionOut(Schema):
    id: int
    endpoint: str
    created_at: LocalTime
    last_ok_at: LocalTime | None
