"""Field types shared by the API schemas."""
import datetime as dt
from typing import Annotated

from django.utils import timezone
from ninja import Schema
from pydantic import ConfigDict, PlainSerializer

# A time on the way out: ISO 8601 with the bank's offset (Asia/Shanghai, +08:00).
LocalTime = Annotated[dt.datetime, PlainSerializer(lambda v: timezone.localtime(v).isoformat(), return_type=str)]


class InSchema(Schema):
    """A request body. A field the operation does not know is refused with a 422 that names it
    (`extra_forbidden`, loc ["body", …, field]) — never silently dropped, so a client that sends
    `password` where none is read learns it at once."""

    model_config = ConfigDict(extra="forbid")
