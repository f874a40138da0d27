"""Every transition refused in the wrong state or by the wrong person: a clear code, no change."""
import datetime as dt

import pytest

from timebank.demands import services
from timebank.demands.models import Assignment, AssignmentStatus, Demand, DemandStatus
from timebank.ledger import services as ledger
from timebank.lib.errors import DomainError
from timebank.orgs.services import bank_rules_set

from .conftest import FAR, HERE, NEAR, new_demand, serve, tomorrow_at

pytestmark = pytest.mark.django_db


def refused(code, fn, *args, **kwargs):
    with pytest.raises(DomainError) as err:
        fn(*args, **kwargs)
    assert err.value.code == code, err.value.as_dict()
    return err.value


def snapshot():
    return (list(Demand.objects.values_list("id", "status", "claimed_count").order_by("id")),
            list(Assignment.objects.values_list("id", "status").order_by("id")))


def test_claiming_a_draft_a_cancelled_or_a_started_demand_is_an_invalid_transition(demand_world, clock):
    w = demand_world
    draft = new_demand(w, publish=False)
    refused("invalid_transition", services.demand_claim, actor=w.volunteer, demand=draft)
    cancelled = new_demand(w, starts_at=tomorrow_at(15))
    services.demand_cancel(actor=w.station_staff, demand=cancelled)
    refused("invalid_transition", services.demand_claim, actor=w.volunteer, demand=cancelled)
    started = new_demand(w, starts_at=tomorrow_at(18))
    clock.at(started.starts_at + dt.timedelta(minutes=1))
    refused("outside_window", services.demand_claim, actor=w.volunteer, demand=started)


def test_a_full_demand_refuses_another_claim(demand_world, clock):
    w = demand_world
    demand = new_demand(w)
    services.demand_claim(actor=w.volunteer, demand=demand)
    before = snapshot()
    refused("demand_full", services.demand_claim, actor=w.volunteer2, demand=demand)
    assert snapshot() == before


def test_a_full_demand_is_refused_at_once_only_to_those_who_may_see_it(demand_world, clock,
                                                                      django_assert_num_queries):
    """The storm's losers are refused by one read without a lock; a volunteer of another branch, who may
    not see the demand, still hears nothing of it (not found, not "full"), and one who opted into the
    branch is refused as full."""
    from timebank.demands.models import VolunteerArea
    from timebank.people.models import Person

    w = demand_world
    demand = new_demand(w)
    services.demand_claim(actor=w.volunteer, demand=demand)
    loser = Person.objects.get(pk=w.volunteer2.pk)
    with django_assert_num_queries(1), pytest.raises(DomainError) as err:
        services.claim_refused_at_once(actor=loser, demand_id=demand.pk, volunteer=loser)
    assert err.value.code == "demand_full"
    stranger = Person.objects.get(pk=w.other_volunteer.pk)
    services.claim_refused_at_once(actor=stranger, demand_id=demand.pk, volunteer=stranger)  # no verdict here
    refused("not_found", services.demand_claim, actor=stranger, demand=demand)
    VolunteerArea.objects.create(person=stranger, branch=w.branch_a)
    refused("demand_full", services.claim_refused_at_once, actor=stranger, demand_id=demand.pk, volunteer=stranger)


def test_the_same_volunteer_cannot_claim_twice(demand_world, clock):
    w = demand_world
    demand = new_demand(w, headcount=3)
    services.demand_claim(actor=w.volunteer, demand=demand)
    refused("already_claimed", services.demand_claim, actor=w.volunteer, demand=demand)


def test_a_volunteer_cannot_take_their_own_demand(demand_world, clock):
    w = demand_world
    w.proxy.is_volunteer, w.proxy.volunteer_status = True, "approved"
    w.proxy.save()
    demand = new_demand(w, actor=w.proxy)
    refused("own_demand", services.demand_claim, actor=w.proxy, demand=demand)


def test_overlapping_claims_are_refused(demand_world, clock):
    w = demand_world
    first = new_demand(w, starts_at=tomorrow_at(9), minutes=120)
    second = new_demand(w, starts_at=tomorrow_at(10), minutes=60)
    adjacent = new_demand(w, starts_at=tomorrow_at(11), minutes=60)
    services.demand_claim(actor=w.volunteer, demand=first)
    refused("overlapping_claim", services.demand_claim, actor=w.volunteer, demand=second)
    services.demand_claim(actor=w.volunteer, demand=adjacent)


def test_the_daily_cap_stops_a_claim_that_would_pass_it(demand_world, clock):
    w = demand_world
    bank_rules_set(actor=w.bank_admin, bank=w.bank, daily_earn_cap_minutes=120)
    services.demand_claim(actor=w.volunteer, demand=new_demand(w, starts_at=tomorrow_at(8), minutes=90))
    refused("daily_cap_reached", services.demand_claim, actor=w.volunteer,
            demand=new_demand(w, starts_at=tomorrow_at(14), minutes=60))


def test_unapproved_volunteers_and_uncertified_types_are_not_eligible(demand_world, clock):
    w = demand_world
    w.volunteer2.volunteer_status = "pending"
    w.volunteer2.save()
    demand = new_demand(w)
    refused("not_eligible", services.demand_claim, actor=w.volunteer2, demand=demand)
    from timebank.demands.models import ServiceType

    haircut = ServiceType.objects.get(bank=w.bank, code="haircut")
    refused("not_eligible", services.demand_claim, actor=w.volunteer,
            demand=new_demand(w, service_type=haircut, starts_at=tomorrow_at(16), minutes=30))


def test_unclaim_is_allowed_before_the_cutoff_only(demand_world, clock):
    w = demand_world
    demand = new_demand(w, headcount=2)
    services.demand_claim(actor=w.volunteer, demand=demand)
    services.demand_unclaim(actor=w.volunteer, demand=demand)
    demand.refresh_from_db()
    assert demand.claimed_count == 0 and demand.status == DemandStatus.PUBLISHED
    services.demand_claim(actor=w.volunteer, demand=demand)  # may take it again
    clock.at(demand.starts_at - dt.timedelta(hours=1))
    refused("unclaim_too_late", services.demand_unclaim, actor=w.volunteer, demand=demand)
    refused("not_claimed", services.demand_unclaim, actor=w.volunteer2, demand=demand)


def test_check_in_needs_a_claim_the_window_and_the_place(demand_world, clock):
    w = demand_world
    demand = new_demand(w)
    assignment = services.demand_claim(actor=w.volunteer, demand=demand)
    refused("outside_window", services.assignment_check_in, actor=w.volunteer, assignment=assignment,
            latitude=HERE[0], longitude=HERE[1])
    clock.at(demand.starts_at)
    err = refused("too_far", services.assignment_check_in, actor=w.volunteer, assignment=assignment,
                  latitude=FAR[0], longitude=FAR[1])
    assert err.detail["radius_m"] == 200
    refused("location_required", services.assignment_check_in, actor=w.volunteer, assignment=assignment)
    refused("station_code_wrong", services.assignment_check_in, actor=w.volunteer, assignment=assignment,
            station_code="0000")
    refused("not_yours", services.assignment_check_in, actor=w.volunteer2, assignment=assignment,
            latitude=HERE[0], longitude=HERE[1])
    refused("invalid_transition", services.assignment_check_out, actor=w.volunteer, assignment=assignment)
    services.assignment_check_in(actor=w.volunteer, assignment=assignment, station_code="zl88")
    refused("invalid_transition", services.assignment_check_in, actor=w.volunteer, assignment=assignment,
            latitude=NEAR[0], longitude=NEAR[1])
    clock.at(demand.ends_at + dt.timedelta(minutes=1))
    assert Assignment.objects.get(pk=assignment.pk).status == AssignmentStatus.CHECKED_IN


def test_confirm_and_dispute_are_refused_out_of_turn_or_to_the_wrong_person(demand_world, clock):
    w = demand_world
    demand = new_demand(w)
    assignment = services.demand_claim(actor=w.volunteer, demand=demand)
    refused("invalid_transition", services.assignment_confirm, actor=w.proxy, assignment=assignment, rating=5)
    refused("reason_required", services.assignment_dispute, actor=w.proxy, assignment=assignment, reason=" ")
    clock.at(demand.starts_at)
    services.assignment_check_in(actor=w.volunteer, assignment=assignment, latitude=NEAR[0], longitude=NEAR[1])
    clock.advance(minutes=60)
    services.assignment_check_out(actor=w.volunteer, assignment=assignment)
    refused("not_yours", services.assignment_confirm, actor=w.volunteer, assignment=assignment, rating=5)
    refused("rating_invalid", services.assignment_confirm, actor=w.proxy, assignment=assignment, rating=6)
    refused("not_found", services.assignment_confirm, actor=w.other_station_staff, assignment=assignment, rating=5)
    services.assignment_confirm(actor=w.proxy, assignment=assignment, rating=5)
    refused("invalid_transition", services.assignment_confirm, actor=w.proxy, assignment=assignment, rating=5)
    refused("invalid_transition", services.assignment_dispute, actor=w.proxy, assignment=assignment, reason="晚")
    refused("invalid_transition", services.dispute_resolve, actor=w.branch_admin, assignment=assignment,
            credit=True, note="x")
    refused("invalid_transition", services.demand_cancel, actor=w.station_staff, demand=demand)
    assert ledger.member_account(w.volunteer).balance == 60


def test_a_demand_in_service_cannot_be_cancelled_or_republished(demand_world, clock):
    w = demand_world
    demand = new_demand(w)
    assignment = services.demand_claim(actor=w.volunteer, demand=demand)
    refused("invalid_transition", services.demand_publish, actor=w.station_staff, demand=demand)
    clock.at(demand.starts_at)
    services.assignment_check_in(actor=w.station_staff, assignment=assignment, method="staff")
    refused("invalid_transition", services.demand_cancel, actor=w.station_staff, demand=demand)
    refused("invalid_transition", services.demand_unclaim, actor=w.station_staff, demand=demand, volunteer=w.volunteer)


def test_only_branch_admins_resolve_disputes(demand_world, clock):
    w = demand_world
    demand = new_demand(w)
    assignment = serve(w, clock, demand, w.volunteer)
    services.assignment_dispute(actor=w.station_staff, assignment=assignment, reason="记录有误")
    refused("not_found", services.dispute_resolve, actor=w.station_staff, assignment=assignment, credit=True,
            note="ok")
    refused("not_found", services.dispute_resolve, actor=w.other_branch_admin, assignment=assignment, credit=True,
            note="ok")
    refused("minutes_invalid", services.dispute_resolve, actor=w.branch_admin, assignment=assignment, credit=True,
            served_minutes=500, note="ok")


def test_a_proxy_cannot_publish_for_an_elder_they_do_not_act_for(demand_world, clock):
    w = demand_world
    refused("not_found", new_demand, w, actor=w.proxy, elder=w.other_elder)
    refused("not_found", new_demand, w, actor=w.other_station_staff)


def test_a_demand_can_be_changed_until_someone_claims_it(demand_world, clock):
    w = demand_world
    demand = new_demand(w, headcount=2)
    later = tomorrow_at(15)
    demand = services.demand_update(actor=w.station_staff, demand=demand, starts_at=later,
                                    ends_at=later + dt.timedelta(hours=1), notes="改到下午")
    assert demand.starts_at == later
    services.demand_claim(actor=w.volunteer, demand=demand)
    refused("invalid_transition", services.demand_update, actor=w.station_staff, demand=demand, notes="再改")
    refused("not_yours", services.demand_update, actor=w.volunteer, demand=demand, notes="x")


def test_the_first_redemption_waits_for_the_banks_minimum_service(demand_world, clock):
    from timebank.demands.tests.conftest import grant_coins

    w = demand_world
    bank_rules_set(actor=w.bank_admin, bank=w.bank, min_service_minutes_before_redeem=600)
    grant_coins(w, w.elder, 120)
    demand = new_demand(w, payer="elder", publish=False)
    refused("redemption_not_yet_allowed", services.demand_publish, actor=w.station_staff, demand=demand)
    assert ledger.member_account(w.elder).available == 120


def test_volunteers_opt_into_other_branches_and_see_their_demands(demand_world, clock):
    w = demand_world
    start = tomorrow_at(9)
    elsewhere = services.demand_create(actor=w.other_station_staff, station=w.station_b1, service_type=w.chat,
                                       starts_at=start, ends_at=start + dt.timedelta(hours=1), elder=w.other_elder)
    services.demand_publish(actor=w.other_station_staff, demand=elsewhere)
    from timebank.demands import selectors

    assert selectors.volunteer_feed(w.volunteer) == []
    refused("not_found", services.demand_claim, actor=w.volunteer, demand=elsewhere)
    services.volunteer_areas_set(actor=w.volunteer, branches=[w.branch_b])
    assert [i.demand.pk for i in selectors.volunteer_feed(w.volunteer)] == [elsewhere.pk]
    assert w.volunteer in [c.volunteer for c in selectors.volunteers_for_demand(elsewhere)]
    services.demand_claim(actor=w.volunteer, demand=elsewhere)
