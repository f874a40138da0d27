"""An elder-paid service disputed for longer than its hold would live is still paid from the hold
when the branch admin finally decides; the hold expires again once no dispute is open."""
import datetime as dt

import pytest

from timebank.demands import selectors, services
from timebank.demands.models import AssignmentStatus, DemandStatus
from timebank.ledger import services as ledger

from .conftest import grant_coins, new_demand, serve

pytestmark = pytest.mark.django_db


def test_it_credits_from_the_hold_after_a_dispute_that_outlasted_its_expiry(demand_world, clock):
    w = demand_world
    grant_coins(w, w.elder, 100)
    demand = new_demand(w, payer="elder")
    hold_expiry = selectors.demand_holds(demand).get().expires_at
    assignment = serve(w, clock, demand, w.volunteer, minutes=60)
    services.assignment_dispute(actor=w.elder, assignment=assignment, reason="时间不对")

    clock.at(hold_expiry + dt.timedelta(days=10))
    ledger.holds_expire()
    assert ledger.member_account(w.elder).available == 40  # still held while the dispute is open

    assignment = services.dispute_resolve(actor=w.branch_admin, assignment=assignment, credit=True, note="核实")
    assert assignment.status == AssignmentStatus.CREDITED and assignment.credit_error == ""
    assert ledger.member_account(w.volunteer).balance == 60
    elder = ledger.member_account(w.elder)
    assert elder.balance == 40 and elder.available == 40
    demand.refresh_from_db()
    assert demand.status == DemandStatus.COMPLETED


def test_a_decided_dispute_lets_the_other_places_holds_expire_again(demand_world, clock):
    w = demand_world
    grant_coins(w, w.elder, 200)
    demand = new_demand(w, payer="elder", headcount=2)
    second = services.demand_claim(actor=w.volunteer2, demand=demand)
    first = serve(w, clock, demand, w.volunteer, minutes=60)
    services.assignment_check_in(actor=w.station_staff, assignment=second, method="staff")
    services.assignment_check_out(actor=w.volunteer2, assignment=second)
    services.assignment_dispute(actor=w.proxy, assignment=first, reason="没有来")
    assert [h.expires_at for h in selectors.demand_holds(demand)] == [None, None]
    assert ledger.member_account(w.elder).available == 80  # replacing the holds moved nothing

    services.dispute_resolve(actor=w.branch_admin, assignment=first, credit=True, note="已服务")
    left = selectors.demand_holds(demand).get()  # the second volunteer's, waiting for confirmation
    assert left.expires_at is not None
    clock.at(left.expires_at + dt.timedelta(minutes=1))
    assert ledger.holds_expire() == 1
    assert ledger.member_account(w.elder).available == 140
