from ninja import Field, Schema

from timebank.lib.schema_types import InSchema, LocalTime
from timebank.lib.text import Line


class CrossBankGiftIn(InSchema):
    to_mobile: Line = Field(max_length=20, description="The recipient's mobile number (a member of another bank)")
    amount: int = Field(description="Minutes", gt=0, le=10**9)
    memo: Line = Field("", max_length=200)
    from_person_id: int | None = Field(None, description="Give an elder's coins you act for (default: your own)")


class CrossBankTransferOut(Schema):
    id: int
    kind: str
    bank_id: int = Field(description="The payer's bank")
    peer_id: int = Field(description="The payee's bank")
    currency: str
    amount: int
    sender_id: int
    recipient_id: int
    out_transfer_id: int = Field(description="The leg in the payer's bank")
    in_transfer_id: int = Field(description="The leg in the payee's bank")
    memo: str
    created_at: LocalTime


class MemberMoveIn(InSchema):
    station_id: int = Field(description="A station of another bank of the platform")
    reason: Line = Field(max_length=200)


class MemberMoveOut(Schema):
    id: int
    person_id: int
    bank_id: int = Field(description="The bank the member left")
    to_bank_id: int
    from_node_id: int
    to_node_id: int
    minutes: int
    points: int
    reason: str
    moved_at: LocalTime


class ClearingPositionOut(Schema):
    bank_id: int
    peer_id: int
    currency: str
    balance: int = Field(description="> 0: this bank's members spent this much at the peer since the last "
                                     "settlement (the bank owes it); < 0: the peer owes it")


class NettingRunIn(InSchema):
    business_day: Line = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD (Asia/Shanghai)")


class NettingPositionOut(Schema):
    bank_id: int
    peer_id: int
    currency: str
    sent: int
    received: int
    balance: int
    settlement_id: int | None


class NettingRunOut(Schema):
    id: int
    platform_id: int
    business_day: str
    records: int
    settled_minutes: int
    started_at: LocalTime
    seconds: float

    @staticmethod
    def resolve_business_day(obj) -> str:
        return obj.business_day.isoformat()


class NettingRunDetailOut(NettingRunOut):
    positions: list[NettingPositionOut] = Field(alias="positions_in_reach")


class FederationReconcileIn(InSchema):
    peer_id: int = Field(description="The partner platform to reconcile with now")


class ReconciliationReportOut(Schema):
    id: int
    peer_id: int
    peer_name: str = Field(alias="peer.name")
    made_at: LocalTime
    ours: dict[str, int] = Field(description="Our banks' clearing balance with the peer, per currency")
    theirs: dict[str, int] = Field(description="The peer's clearing balance with us, from its signed statement")
    in_flight: dict[str, int] = Field(description="Sent but not yet credited on the other side: ours plus theirs")
    difference: dict[str, int] = Field(description="ours + theirs − in flight: 0 when both sides agree")
    matches: bool
    error: str = Field(description="Why the peer could not be asked (then nothing was compared)")


class FederationGiftIn(InSchema):
    peer_id: int = Field(description="The partner platform (another city's or district server's time bank)")
    to_mobile: Line = Field(max_length=20, description="The recipient's mobile number there")
    to_name: Line = Field(max_length=50, description="The recipient's full name, as registered there")
    amount: int = Field(description="Minutes", gt=0, le=10**9)
    memo: Line = Field("", max_length=200)
    from_person_id: int | None = Field(None, description="Give an elder's coins you act for (default: your own)")


class FederationGiftOut(Schema):
    id: int
    uuid: str = Field(description="The message's id between the two platforms")
    peer_id: int
    currency: str
    amount: int
    status: str = Field(description="pending (on its way), accepted (credited there) or refused (coins returned)")
    reason: str = Field(description="Why the other platform refused")
    created_at: LocalTime

    @staticmethod
    def resolve_uuid(obj) -> str:
        return str(obj.uuid)
