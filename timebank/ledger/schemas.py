"""API shapes for accounts and transfers. Amounts are integers: minutes for time, whole points."""
import datetime as dt
from typing import Literal

from ninja import Field, Schema
from pydantic import StrictInt

from timebank.lib.schema_types import InSchema
from timebank.lib.text import Line


class AccountOut(Schema):
    id: int
    kind: str
    currency: str
    owner_id: int | None
    node_id: int | None
    balance: int
    available: int
    pending: int


class MyAccountsOut(Schema):
    time: AccountOut
    points: AccountOut


class TransferOut(Schema):
    id: int
    kind: str
    status: str
    amount: int
    currency: str
    debit_account_id: int = Field(..., alias="debit_id")
    credit_account_id: int = Field(..., alias="credit_id")
    hold_id: int | None
    corrects_id: int | None
    subject_type: str
    subject_id: str
    memo: str
    created_at: dt.datetime
    expires_at: dt.datetime | None


class TransferPage(Schema):
    items: list[TransferOut]
    next_cursor: int | None


class TransferIn(InSchema):
    kind: Literal["gift", "donation"]
    amount: StrictInt = Field(..., description="Minutes (60 = one time coin); a whole number above zero")
    to_person_id: StrictInt | None = Field(None, description="The receiving member, for a gift")
    from_person_id: StrictInt | None = Field(None, description="Whose coins: yourself by default, or an elder you act for")
    memo: Line = Field("", max_length=200)
