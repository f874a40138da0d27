"""Fixtures of the ledger page tests: coins on an account, a family link, a moment in the past."""
import datetime as dt

import pytest
from django.utils import timezone

from timebank.ledger import services
from timebank.ledger.models import AccountKind, Transfer, TransferKind
from timebank.people.services import proxy_confirm, proxy_link


@pytest.fixture
def fund(world):
    """fund(person, minutes, kind=service credit): coins from the branch's issuance."""

    def give(person, minutes, kind=TransferKind.SERVICE_CREDIT, memo=""):
        issuance = services.system_account(world.branch_a, AccountKind.ISSUANCE)
        return services.transfer_post(debit=issuance, credit=services.member_account(person), amount=minutes,
                                      kind=kind, memo=memo)

    return give


@pytest.fixture
def family(world):
    """张家属 is registered as the child of the elder 张晓明 (and so may act for him): asked for by the
    station, confirmed by the branch admin."""
    link = proxy_link(actor=world.station_staff, elder=world.elder, proxy=world.proxy, relation="child")
    return proxy_confirm(actor=world.branch_admin, link=link)


@pytest.fixture
def back_in(monkeypatch):
    """back_in(year, month, day): transfers posted from now on carry that date (Asia/Shanghai noon)."""
    field = Transfer._meta.get_field("created_at")

    def travel(year, month=6, day=15):
        when = dt.datetime(year, month, day, 12, tzinfo=timezone.get_current_timezone())
        monkeypatch.setattr(field, "_get_default", lambda: when)
        monkeypatch.setattr(services.posting, "posting_time", lambda: when)  # where transfer_post reads it

    yield travel
    monkeypatch.undo()
