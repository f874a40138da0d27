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


class TransferIn(InSchema):
    kind: Literal["gift", "donation"]
    amount: StrictInt = Field(..., description="Minutes (60 = one time coin); a whole number above zero")
    to_person_id: StrictInt | None = Field(None, description="The receiving member, for a gift")
    from_person_id: StrictInt | None = Field(None, description="Whose coins: yourself by default, or an elder you act for")
    memo: Line = Field("", max_length=200)


class CoinGrantIn(InSchema):
    amount: StrictInt = Field(..., gt=0, description="Minutes (60 = one time coin)")
    source: Literal["pool", "issuance"] = Field(..., description="The donation pool, or newly issued coins")
    reason: Line = Field(..., min_length=1, max_length=200)


class CorrectionIn(InSchema):
    amount: StrictInt | None = Field(None, gt=0, description="Minutes to reverse; the whole remainder if left out")
    reason: Line = Field(..., min_length=1, max_length=200)


class DecisionIn(InSchema):
    approve: bool = Field(..., description="true: approve (it posts); false: reject (nothing posts)")


class _FourEyesOut(Schema):
    id: int
    amount: int
    reason: str
    requested_by_id: int
    requested_at: dt.datetime
    decided_by_id: int | None
    decided_at: dt.datetime | None
    approved: bool | None
    transfer_id: int | None = Field(None, description="The posted transfer; null while it waits for a second admin")
    status: str = Field(..., description="posted, waiting (for a second admin) or rejected")

    @staticmethod
    def resolve_status(obj) -> str:
        return "posted" if obj.transfer_id else "rejected" if obj.approved is False else "waiting"


class CoinGrantOut(_FourEyesOut):
    elder_id: int
    source: str


class CorrectionOut(_FourEyesOut):
    original_id: int


class ChainHeadOut(Schema):
    day: dt.date
    seq: int = Field(..., description="the day's last link")
    hash: str
    transfer_id: int


class ChainOut(Schema):
    bank_id: int
    anchor: str | None = Field(..., description="the newest link as BANK:SEQ:HASH, to keep outside the database")
    unsealed: int = Field(..., description="posted transfers the worker has not sealed yet")
    heads: list[ChainHeadOut] = Field(..., description="the last link of each of the last 30 days, newest first")


class ChainCheckIn(InSchema):
    bank_id: int | None = Field(None, ge=1, le=2**63 - 1, description="default: your first bank")
    anchors: list[Line] = Field([], max_length=50,
                                description="heads noted earlier (BANK:SEQ:HASH, e.g. from a monthly report)")


class ChainCheckOut(Schema):
    bank_id: int
    ok: bool
    transfers: int
    sealed: int
    accounts: int
    seconds: float
    first_bad_transfer: int | None
    problems: list[str] = Field(..., description="each names the transfer, the link or the account")
