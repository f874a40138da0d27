"""A second bank (虹口区) on the same platform as the world's 杨浦区, with its own staff and members, and
coins on an account; and a partner platform in another deployment (city-y) whose signing key the tests hold."""
import base64
import datetime as dt
import json
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from timebank.clearing import federation
from timebank.conftest import make_person
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind
from timebank.orgs.models import NodeKind
from timebank.orgs.roles import Role
from timebank.orgs.services import bank_rules_set, node_create, role_grant


@pytest.fixture
def hongkou(world):
    h = type("Hongkou", (), {})()
    h.bank = node_create(actor=None, parent=world.platform, kind=NodeKind.BANK, name="虹口区", name_en="Hongkou")
    h.branch = node_create(actor=None, parent=h.bank, kind=NodeKind.BRANCH, name="四川北路街道")
    h.station = node_create(actor=None, parent=h.branch, kind=NodeKind.STATION, name="多伦路社区")
    h.bank_admin = make_person(h.station, "虹口管理员", mobile="13900000101")
    role_grant(actor=None, person=h.bank_admin, role=Role.BANK_ADMIN, node=h.bank)
    h.mother = make_person(h.station, "赵妈妈", mobile="13800000101", birth=dt.date(1944, 6, 1), sex="F",
                           is_elder=True)
    h.member = make_person(h.station, "钱虹口", mobile="13800000102", birth=dt.date(1970, 6, 1))
    for bank, admin in ((world.bank, world.bank_admin), (h.bank, h.bank_admin)):
        bank_rules_set(actor=admin, bank=bank, gift_recipients="any")
    return h


@pytest.fixture
def platform_admin(world):
    admin = make_person(world.station_a1, "市平台管理员", mobile="13900000100")
    role_grant(actor=None, person=admin, role=Role.PLATFORM_ADMIN, node=world.platform)
    return admin


@pytest.fixture
def fund():
    """fund(person, minutes): coins from the issuance of the person's branch."""

    def give(person, minutes, currency="time"):
        issuance = ledger.system_account(person.node, AccountKind.ISSUANCE, currency)
        return ledger.transfer_post(debit=issuance, credit=ledger.member_account(person, currency), amount=minutes,
                                    kind=TransferKind.GRANT if currency == "time" else TransferKind.POINTS_EARN)

    return give


@pytest.fixture
def fed(world, settings):
    """This platform signs as city-x; city-y is its partner, whose key the test holds."""
    own_seed, own_public = federation.new_signing_key()
    settings.FEDERATION_NAME, settings.FEDERATION_KEY = "city-x", own_seed
    peer_seed, peer_public = federation.new_signing_key()
    peer = federation.peer_platform_add(platform=world.platform, name="city-y", base_url="http://127.0.0.1:9",
                                        public_key=peer_public)
    bank_rules_set(actor=world.bank_admin, bank=world.bank, gift_recipients="any")
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(peer_seed))

    def message(amount=30, *, name="李志愿", mobile="13800000011", message_id=None, sender="city-y", to="city-x",
                kind="transfer", body=None):
        raw = json.dumps({"v": 1, "id": str(message_id or uuid.uuid4()), "kind": kind, "from": sender, "to": to,
                          "sent_at": timezone.now().isoformat(),
                          "body": body if body is not None else {
                              "amount": amount, "currency": "time", "memo": "",
                              "sender": {"name": "远方", "bank": "Y区"},
                              "recipient": {"mobile": mobile, "name": name}}},
                         ensure_ascii=False).encode()
        return raw, base64.b64encode(key.sign(raw)).decode()

    return type("Fed", (), {"peer": peer, "message": staticmethod(message), "own_public": own_public})
