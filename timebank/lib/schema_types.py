"""Field types shared by the API schemas."""
import datetime as dt
from typing import Annotated

from django.utils import timezone
from pydantic import PlainSerializer

# A time on the way out: ISO 8601 with the bank's offset (Asia/Shanghai, +08:00).
LocalTime = Annotated[dt.datetime, PlainSerializer(lambda v: timezone.localtime(v).isoformat(), return_type=str)]
