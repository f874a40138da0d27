"""The passbook's 摘要 names the service, the elder (masked) and the time, not just "hours for
service given"; the printed passbook says how much is set aside for services booked."""
import pytest

from timebank.demands import services as demands
from timebank.demands.tests.conftest import demand_world, new_demand, serve  # noqa: F401 - fixtures
from timebank.ledger import selectors
from timebank.tests.printed import pdf_text

pytestmark = pytest.mark.django_db


def test_a_service_credit_is_named_by_its_service_elder_and_time(demand_world, clock, client):  # noqa: F811
    w = demand_world
    demand = new_demand(w)
    assignment = serve(w, clock, demand, w.volunteer)
    demands.assignment_confirm(actor=w.station_staff, assignment=assignment, rating=5)
    account = selectors.accounts_of(w.volunteer)["time"]
    _opening, lines = selectors.passbook(account)
    credit = lines[-1]
    assert credit.summary.startswith("聊天慰问 · 张*明 · ") and credit.amount > 0
    client.force_login(w.volunteer)
    assert "聊天慰问 · 张*明" in client.get("/ledger/").content.decode()
    pdf = client.get(f"/ledger/people/{w.volunteer.pk}/passbook.pdf").content
    text = pdf_text(pdf)
    assert "聊天慰问 · 张*明" in text
