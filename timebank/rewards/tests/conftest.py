"""Points-shop personas: a catalogue at 五角场 and a volunteer with 100 points."""
import pytest

from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, Currency, TransferKind
from timebank.rewards import services


def give_points(person, branch, amount):
    ledger.transfer_post(debit=ledger.system_account(branch, AccountKind.ISSUANCE, Currency.POINTS),
                         credit=ledger.member_account(person, Currency.POINTS), amount=amount,
                         kind=TransferKind.POINTS_EARN)


@pytest.fixture
def shop_world(world):
    w = world
    w.towel = services.item_create(actor=w.branch_admin, branch=w.branch_a, name="毛巾", price_points=30, stock=3)
    w.other_item = services.item_create(actor=w.other_branch_admin, branch=w.branch_b, name="肥皂", price_points=10,
                                        stock=5)
    give_points(w.volunteer, w.branch_a, 100)
    return w
