"""The whole life of a demand, paid by the branch and paid with the elder's own coins."""
import datetime as dt

import pytest

from timebank.demands import selectors, services
from timebank.demands.exceptions import HeadcountInvalid, TimesInvalid
from timebank.demands.models import AssignmentStatus, DemandStatus, ServiceType
from timebank.ledger import services as ledger
from timebank.ledger.exceptions import InsufficientBalance
from timebank.ledger.models import Currency, Transfer, TransferStatus
from timebank.orgs.services import bank_rules_set

from .conftest import NEAR, grant_coins, new_demand, serve, tomorrow_at

pytestmark = pytest.mark.django_db


def test_a_new_bank_gets_the_standard_catalogue(demand_world):
    codes = set(ServiceType.objects.filter(bank=demand_world.bank).values_list("code", flat=True))
    assert {"chat_visit", "medical_escort", "cleaning", "haircut", "performance", "legal_advice"} <= codes
    assert len({t.category for t in ServiceType.objects.filter(bank=demand_world.bank)}) == 9


def test_it_runs_a_branch_paid_visit_from_publish_to_credit(demand_world, clock):
    w = demand_world
    demand = new_demand(w)
    assert demand.status == DemandStatus.PUBLISHED
    assert [i.demand.pk for i in selectors.volunteer_feed(w.volunteer)] == [demand.pk]

    assignment = services.demand_claim(actor=w.volunteer, demand=demand)
    demand.refresh_from_db()
    assert demand.status == DemandStatus.CLAIMED and demand.claimed_count == 1
    assert selectors.volunteer_feed(w.volunteer2) == []

    clock.at(demand.starts_at - dt.timedelta(minutes=5))
    assignment = services.assignment_check_in(actor=w.volunteer, assignment=assignment, latitude=NEAR[0],
                                              longitude=NEAR[1])
    assert assignment.check_in_method == "gps" and assignment.check_in_distance_m < 200
    demand.refresh_from_db()
    assert demand.status == DemandStatus.IN_SERVICE
    clock.advance(minutes=200)  # stayed long: capped at 60 planned + 30 tolerance
    assignment = services.assignment_check_out(actor=w.volunteer, assignment=assignment)
    assert assignment.served_minutes == 90
    demand.refresh_from_db()
    assert demand.status == DemandStatus.DONE

    assignment = services.assignment_confirm(actor=w.proxy, assignment=assignment, rating=5, comment="很好")
    assert assignment.status == AssignmentStatus.CREDITED
    assert assignment.credited_minutes == 90 and assignment.credited_points == 15
    assert ledger.member_account(w.volunteer).balance == 90
    assert ledger.member_account(w.volunteer, Currency.POINTS).balance == 15
    demand.refresh_from_db()
    assert demand.status == DemandStatus.COMPLETED


def test_it_runs_an_elder_paid_service_holding_then_posting_the_coins(demand_world, clock):
    w = demand_world
    grant_coins(w, w.elder, 300)
    demand = new_demand(w, actor=w.proxy, payer="elder", minutes=120, headcount=2)
    elder_account = ledger.member_account(w.elder)
    assert elder_account.balance == 300 and elder_account.available == 60  # two places × 120 held

    second = services.demand_claim(actor=w.volunteer2, demand=demand)
    first = serve(w, clock, demand, w.volunteer, minutes=100)
    clock.at(demand.starts_at)
    second = services.assignment_check_in(actor=w.station_staff, assignment=second, method="staff")
    clock.advance(minutes=30)
    second = services.assignment_check_out(actor=w.volunteer2, assignment=second)

    services.assignment_confirm(actor=w.proxy, assignment=first, rating=4)
    services.assignment_confirm(actor=w.elder, assignment=second, rating=5)
    assert ledger.member_account(w.volunteer).balance == 100
    assert ledger.member_account(w.volunteer2).balance == 30
    elder_account = ledger.member_account(w.elder)
    assert elder_account.balance == 170 and elder_account.available == 170  # nothing left held
    assert not selectors.demand_holds(demand).exists()
    demand.refresh_from_db()
    assert demand.status == DemandStatus.COMPLETED


def test_an_elder_paid_demand_above_the_elders_coins_is_refused_and_stays_a_draft(demand_world, clock):
    w = demand_world
    grant_coins(w, w.elder, 50)
    demand = new_demand(w, payer="elder", publish=False)
    with pytest.raises(InsufficientBalance):
        services.demand_publish(actor=w.station_staff, demand=demand)
    demand.refresh_from_db()
    assert demand.status == DemandStatus.DRAFT
    assert ledger.member_account(w.elder).available == 50


def test_cancelling_an_elder_paid_demand_releases_the_hold_and_frees_the_volunteer(demand_world, clock):
    w = demand_world
    grant_coins(w, w.elder, 60)
    demand = new_demand(w, payer="elder")
    assignment = services.demand_claim(actor=w.volunteer, demand=demand)
    services.demand_cancel(actor=w.proxy, demand=demand, reason="住院")
    demand.refresh_from_db()
    assignment.refresh_from_db()
    assert demand.status == DemandStatus.CANCELLED and assignment.status == AssignmentStatus.CANCELLED
    assert ledger.member_account(w.elder).available == 60
    assert Transfer.objects.filter(subject_id=str(demand.pk), status=TransferStatus.VOIDED).count() == 1


def test_a_disputed_service_is_credited_only_after_the_branch_admin_decides(demand_world, clock):
    w = demand_world
    demand = new_demand(w)
    assignment = serve(w, clock, demand, w.volunteer, minutes=60)
    services.assignment_dispute(actor=w.proxy, assignment=assignment, reason="只来了半小时")
    assert ledger.member_account(w.volunteer).balance == 0
    assignment = services.dispute_resolve(actor=w.branch_admin, assignment=assignment, credit=True,
                                          served_minutes=30, note="核实为半小时")
    assert assignment.status == AssignmentStatus.CREDITED
    assert ledger.member_account(w.volunteer).balance == 30


def test_a_rejected_dispute_credits_nothing_and_releases_the_elders_hold(demand_world, clock):
    w = demand_world
    grant_coins(w, w.elder, 60)
    demand = new_demand(w, payer="elder")
    assignment = serve(w, clock, demand, w.volunteer)
    services.assignment_dispute(actor=w.elder, assignment=assignment, reason="没有来")
    services.dispute_resolve(actor=w.branch_admin, assignment=assignment, credit=False, note="查实未服务")
    assert ledger.member_account(w.volunteer).balance == 0
    assert ledger.member_account(w.elder).available == 60
    demand.refresh_from_db()
    assert demand.status == DemandStatus.COMPLETED


def test_staff_record_a_paper_signed_service_with_a_reason(demand_world, clock):
    w = demand_world
    demand = new_demand(w)
    clock.at(demand.ends_at + dt.timedelta(hours=2))
    assignment = services.service_record_paper(actor=w.station_staff, demand=demand, volunteer=w.volunteer,
                                               started_at=demand.starts_at, ended_at=demand.ends_at,
                                               reason="老人无手机，纸质签字")
    assert assignment.status == AssignmentStatus.DONE and assignment.check_in_method == "paper"
    assert assignment.served_minutes == 60
    services.assignment_confirm(actor=w.station_staff, assignment=assignment, rating=5)
    assert ledger.member_account(w.volunteer).balance == 60
    from timebank.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="service.paper_recorded", object_id=str(assignment.pk)).exists()


def test_a_member_published_demand_waits_for_review_where_the_bank_requires_it(demand_world, clock):
    w = demand_world
    bank_rules_set(actor=w.bank_admin, bank=w.bank, demand_review_required=True)
    demand = new_demand(w, actor=w.proxy)
    assert demand.status == DemandStatus.REVIEW
    assert selectors.volunteer_feed(w.volunteer) == []
    demand = services.demand_publish(actor=w.station_staff, demand=demand)
    assert demand.status == DemandStatus.PUBLISHED and demand.reviewed_by == w.station_staff


def test_a_group_activity_takes_many_volunteers_for_many_elders(demand_world, clock):
    w = demand_world
    start = tomorrow_at(14)
    demand = services.demand_create(actor=w.station_staff, station=w.station_a1, service_type=w.lecture,
                                    starts_at=start, ends_at=start + dt.timedelta(minutes=90), for_community=True,
                                    elders=[w.elder], headcount=3)
    services.demand_publish(actor=w.station_staff, demand=demand)
    services.demand_claim(actor=w.volunteer, demand=demand)
    services.demand_claim(actor=w.volunteer2, demand=demand)
    demand.refresh_from_db()
    assert demand.status == DemandStatus.PUBLISHED and demand.places_left == 1


def test_staff_see_fitting_volunteers_nearest_first_and_dispatch_one(demand_world, clock):
    w = demand_world
    demand = new_demand(w)
    ranked = [c.volunteer for c in selectors.volunteers_for_demand(demand)]
    assert ranked[:2] == [w.volunteer, w.volunteer2]
    assert w.other_volunteer not in ranked and w.elder not in ranked
    assignment = services.demand_dispatch(actor=w.station_staff, demand=demand, volunteer=w.volunteer2)
    assert assignment.dispatched and assignment.claimed_by == w.station_staff


@pytest.mark.parametrize("change, error", [
    ({"minutes": -30}, TimesInvalid),
    ({"starts_at_days": -2}, TimesInvalid),
    ({"headcount": 0}, HeadcountInvalid),
    ({"headcount": 500}, HeadcountInvalid),
])
def test_bad_demands_are_refused_with_a_code_and_nothing_saved(demand_world, clock, change, error):
    w = demand_world
    from timebank.demands.models import Demand

    start = tomorrow_at(9, days=change.pop("starts_at_days", 1))
    with pytest.raises(error):
        new_demand(w, starts_at=start, **change)
    assert not Demand.objects.exists()
