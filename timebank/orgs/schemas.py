"""API shapes for the organisation tree."""
from ninja import Schema


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
