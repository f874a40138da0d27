"""A leader claims places on a group activity for named members; each is credited on their own;
under the bank rule the coins earned go on to the pool."""
import datetime as dt

import pytest

from timebank.conftest import make_person
from timebank.demands import services as demand_services
from timebank.demands.models import Assignment, AssignmentStatus
from timebank.demands.tests.conftest import new_demand
from timebank.ledger.models import AccountKind, TransferKind
from timebank.ledger.services import member_account, system_account
from timebank.lib.errors import DomainError
from timebank.orgs.services import bank_rules_set
from timebank.teams import selectors, services
from timebank.teams.models import TeamClaim


@pytest.fixture
def members(team_world):
    w = team_world
    people = [make_person(w.station_a1, f"队员{i}", mobile=f"1380000005{i}", is_volunteer=True,
                          volunteer_status="approved") for i in range(2)]
    for person in people:
        services.team_join(actor=person, team=w.team)
        services.membership_decide(actor=w.volunteer, team=w.team, person=person, approve=True)
    return people


def test_the_leader_claims_places_for_named_members_in_one_action(team_world, members):
    w = team_world
    demand = new_demand(w, service_type=w.lecture, headcount=5)
    assignments = services.team_claim(actor=w.volunteer, team=w.team, demand=demand, members=members)
    assert {a.volunteer_id for a in assignments} == {m.pk for m in members}
    assert TeamClaim.objects.filter(team=w.team).count() == 2
    assert {a.volunteer_id for a in selectors.upcoming_work(w.team)} == {m.pk for m in members}


def test_a_one_to_one_demand_or_a_non_member_is_refused_and_nothing_is_claimed(team_world, members):
    w = team_world
    with pytest.raises(DomainError) as err:
        services.team_claim(actor=w.volunteer, team=w.team, demand=new_demand(w), members=members)
    assert err.value.code == "not_group_demand"
    demand = new_demand(w, service_type=w.lecture, headcount=5, starts_at=new_demand(w).starts_at + dt.timedelta(hours=3))
    with pytest.raises(DomainError) as err:
        services.team_claim(actor=w.volunteer, team=w.team, demand=demand, members=[*members, w.volunteer2])
    assert err.value.code == "not_member"
    assert not Assignment.objects.filter(demand=demand).exists()


def test_a_leader_cannot_claim_for_another_team(team_world, members):
    w = team_world
    demand = new_demand(w, service_type=w.lecture, headcount=5)
    with pytest.raises(DomainError) as err:
        services.team_claim(actor=w.volunteer, team=w.sister_team, demand=demand, members=[w.volunteer2])
    assert err.value.code == "not_team_leader"
    assert not Assignment.objects.filter(demand=demand).exists()


def test_each_member_is_credited_and_team_hours_can_be_donation_only(team_world, members, clock):
    w = team_world
    bank_rules_set(actor=w.bank_admin, bank=w.bank, team_hours_donation_only=True)
    demand = new_demand(w, service_type=w.lecture, headcount=5)
    services.team_claim(actor=w.volunteer, team=w.team, demand=demand, members=members)
    clock.at(demand.starts_at)
    for member in members:
        assignment = Assignment.objects.get(demand=demand, volunteer=member)
        demand_services.assignment_check_in(actor=member, assignment=assignment, latitude=31.3000, longitude=121.5100)
        clock.at(demand.ends_at)
        demand_services.assignment_check_out(actor=member, assignment=assignment)
        demand_services.assignment_confirm(actor=w.station_staff, assignment=assignment, rating=5)
        clock.at(demand.starts_at)
    for member in members:
        assignment = Assignment.objects.get(demand=demand, volunteer=member)
        assert assignment.status == AssignmentStatus.CREDITED and assignment.credited_minutes == 60
        account = member_account(member)
        account.refresh_from_db()
        assert account.balance == 0  # credited, then donated
        assert account.debit_transfers.filter(kind=TransferKind.DONATION, amount=60).count() == 1
    pool = system_account(w.branch_a, AccountKind.POOL)
    assert pool.balance == 120
    assert sum(r.team_minutes for r in selectors.member_rows(w.team)) == 120


def test_the_api_claims_all_or_none_and_the_leader_removes_a_member(team_world, members, api_client):
    w = team_world
    demand = new_demand(w, service_type=w.lecture, headcount=5)
    api_client.login_as(w.volunteer)  # the leader
    stranger = make_person(w.station_a1, "路人", mobile="13800000059", is_volunteer=True, volunteer_status="approved")
    refused = api_client.post(f"/api/v1/teams/{w.team.pk}/claims",
                              {"demand_id": demand.pk, "member_ids": [members[0].pk, stranger.pk]},
                              content_type="application/json")
    assert refused.status_code == 409 and refused.json()["detail"]["person_id"] == stranger.pk
    assert not Assignment.objects.filter(demand=demand).exists()
    taken = api_client.post(f"/api/v1/teams/{w.team.pk}/claims",
                            {"demand_id": demand.pk, "member_ids": [m.pk for m in members]},
                            content_type="application/json")
    assert taken.status_code == 201 and {p["volunteer_id"] for p in taken.json()} == {m.pk for m in members}
    removed = api_client.post(f"/api/v1/teams/{w.team.pk}/members/{members[1].pk}/remove")
    assert removed.status_code == 200 and removed.json()["status"] != "approved"
    api_client.login_as(members[0])
    assert api_client.post(f"/api/v1/teams/{w.team.pk}/leave").status_code == 200
    assert api_client.post(f"/api/v1/teams/{w.team.pk}/members/{members[1].pk}/remove").status_code == 403
