"""A second bank (虹口区) on the same platform as the world's 杨浦区, with its own staff and members, and
coins on an account."""
import datetime as dt

import pytest

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
