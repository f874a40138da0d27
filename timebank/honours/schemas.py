"""Shapes of the honours API: service-record certificates and record corrections."""
import datetime as dt
from typing import Literal

from ninja import Field, Schema

from timebank.lib.schema_types import InSchema
from timebank.lib.text import Line, Text


class RecordCertificateIn(InSchema):
    person_in_charge: Line = Field("", max_length=50, description="Who signs for the organisation")
    contact: Line = Field("", max_length=50)


class RecordCertificateOut(Schema):
    id: int
    number: str
    person_id: int
    issuer_id: int
    total_minutes: int
    issued_at: dt.datetime
    pdf: str = Field(..., description="Where the printable certificate is (staff and the volunteer)")

    @staticmethod
    def resolve_pdf(obj) -> str:
        from django.urls import reverse

        return reverse("honours:certificate_pdf", kwargs={"number": obj.number})


class RecordCorrectionIn(InSchema):
    description: Text = Field(..., min_length=1, max_length=2000, description="What is wrong or missing")
    assignment_id: int | None = Field(None, ge=1, description="The service it is about, if it is on the record")


class RecordCorrectionDecisionIn(InSchema):
    decision: Literal["accept", "reject"]
    note: Line = Field("", max_length=200)


class RecordCorrectionOut(Schema):
    id: int
    person_id: int
    node_id: int
    assignment_id: int | None
    description: str
    status: str
    created_at: dt.datetime
