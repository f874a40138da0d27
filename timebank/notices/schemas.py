from ninja import Schema

from timebank.lib.schema_types import LocalTime


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
