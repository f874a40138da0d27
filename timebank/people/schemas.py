"""API shapes for people, sign-up, tokens and the signed-in user."""
import datetime as dt

from ninja import Field, Schema

from timebank.lib.masking import mask_mobile
from timebank.lib.schema_types import InSchema
from timebank.lib.text import Line


class TokenIn(InSchema):
    username: Line = Field(..., max_length=32, description="The mobile number")
    password: str = Field(..., max_length=128)
    name: Line = Field("API", max_length=60, description="A label shown on your token list")


class TokenOut(Schema):
    token: str
    id: int
    name: str
    expires_at: dt.datetime | None = None


class UnlockOut(Schema):
    cleared: int = Field(..., description="How many lockout records (one per address) were cleared")


class TokenInfoOut(Schema):
    """One of your tokens, without its secret."""
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class GrantOut(Schema):
    id: int
    role: str
    node_id: int
    node_name: str = Field(..., alias="node.name")


class MeOut(Schema):
    id: int
    name: str
    mobile: str | None
    bank_id: int | None
    station_id: int | None = Field(None, alias="node_id")
    is_elder: bool
    is_volunteer: bool
    volunteer_status: str
    roles: list[GrantOut]
    acts_for: list[int]


class PersonOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: dt.date | None
    mobile_masked: str
    id_number_masked: str
    address: str
    bank_id: int | None
    station_id: int | None
    status: str
    is_elder: bool
    is_volunteer: bool
    volunteer_status: str
    skills: list[str] = Field(..., description="service codes the volunteer said they can do")
    free_slots: list[str] = Field(..., description="when they are usually free: mon_am … sun_eve")
    created_at: dt.datetime
    time_account_id: int | None = Field(None, description="The person's time-coin account: GET /api/v1/accounts/{id} "
                                                          "reads its balance; null until the first coin moves")

    @staticmethod
    def resolve_time_account_id(obj) -> int | None:
        # Through the reverse relation: the people layer does not import the ledger.
        return obj.accounts.filter(currency="time", kind="member").values_list("pk", flat=True).first()

    @staticmethod
    def resolve_mobile_masked(obj) -> str:
        return mask_mobile(obj.mobile or "")

    @staticmethod
    def resolve_id_number_masked(obj) -> str:
        return obj.id_masked

    @staticmethod
    def resolve_station_id(obj) -> int | None:
        return obj.node_id


class IdentityOut(Schema):
    id_number: str
    mobile: str


class PersonIn(InSchema):
    name: Line = Field(..., max_length=50, description="1 to 50 characters once cleaned (a blank one: name_invalid)")
    id_number: Line = Field(..., max_length=40, description="18-character resident ID; full-width digits are accepted")
    station_id: int = Field(..., ge=1)
    mobile: Line = Field("", max_length=20)
    address: Line = Field("", max_length=200)
    emergency_contact_name: Line = Field("", max_length=50)
    emergency_contact_phone: Line = Field("", max_length=20)
    is_elder: bool = False
    is_volunteer: bool = False
    guardian_consent: bool = False
    consent: bool = Field(..., description="The person agreed to the processing of their data")


class PersonPatch(InSchema):
    name: Line | None = Field(None, min_length=1, max_length=50)
    mobile: Line | None = Field(None, max_length=20)
    address: Line | None = Field(None, max_length=200)
    emergency_contact_name: Line | None = Field(None, max_length=50)
    emergency_contact_phone: Line | None = Field(None, max_length=20)
    status: Line | None = Field(None, max_length=16)
    station_id: int | None = Field(None, ge=1)
    is_elder: bool | None = None
    is_volunteer: bool | None = None
    guardian_consent: bool | None = None
    skills: list[Line] | None = Field(None, max_length=40, description="service codes the volunteer can do")
    free_slots: list[Line] | None = Field(None, max_length=21, description="mon_am … sun_eve, each once")


class PasswordSetIn(InSchema):
    new_password: str = Field(..., min_length=1, max_length=128,
                              description="The person signs in with their mobile number and this password")


class VolunteerDecisionIn(InSchema):
    approve: bool = Field(..., description="true: approved as a volunteer; false: not approved")


class VolunteerDecisionsIn(InSchema):
    person_ids: list[int] = Field(..., min_length=1, max_length=200)
    approve: bool


class SignupIn(InSchema):
    name: Line = Field(..., max_length=50, description="1 to 50 characters once cleaned (a blank one: name_invalid)")
    mobile: Line = Field(..., max_length=20)
    password: str = Field(..., min_length=1, max_length=128)
    id_number: Line = Field(..., max_length=40)
    station_id: int = Field(..., ge=1)
    address: Line = Field("", max_length=200)
    guardian_consent: bool = False
    skills: list[Line] = Field([], max_length=40, description="service codes of the bank's catalogue "
                               "(GET /api/v1/service-types) the volunteer can do; unknown: skill_unknown")
    free_slots: list[Line] = Field([], max_length=21, description="when usually free: mon_am … sun_eve (am, pm, eve), "
                                   "each once; anything else: free_times_invalid")
    consent: bool


class VolunteerSignupOut(Schema):
    id: int
    name: str
    volunteer_status: str


class ProxyLinkIn(InSchema):
    elder_id: int = Field(..., ge=1, le=2**63 - 1)
    proxy_id: int | None = Field(None, ge=1, le=2**63 - 1, description="the proxy, in your reach; or give proxy_mobile")
    proxy_mobile: Line = Field("", max_length=20, description="the proxy's mobile number: someone in your reach, or a "
                               "son or daughter, spouse or relative registered in another bank of the platform")
    relation: Line = Field(..., max_length=20, description="child, spouse, relative, social_worker or neighbour")


class ProxyLinkOut(Schema):
    id: int
    elder_id: int
    elder_name: str = Field(..., alias="elder.name")
    proxy_id: int
    proxy_name: str = Field(..., alias="proxy.name")
    relation: str
    status: str = Field(..., description="pending (waits for the elder or a second staff member), active or revoked")
    created_at: dt.datetime
    created_by_id: int | None
    confirmed_at: dt.datetime | None
    confirmed_by_id: int | None
    revoked_at: dt.datetime | None

    @staticmethod
    def resolve_status(obj) -> str:
        if obj.revoked_at is not None:
            return "revoked"
        return "pending" if obj.confirmed_at is None else "active"


class VolunteerTagIn(InSchema):
    tag_id: Line = Field("", max_length=32, description="A wristband's NFC tag id; empty: a new card id")


class PhotoOut(Schema):
    person_id: int
    has_photo: bool


class VolunteerCardsIn(InSchema):
    person_ids: list[int] = Field(..., min_length=1, max_length=200)


class VolunteerCardOut(Schema):
    person_id: int
    name: str
    station: str
    tag_id: str


class VolunteerTagOut(Schema):
    person_id: int
    tag_id: str

    @staticmethod
    def resolve_person_id(obj) -> int:
        return obj.pk
