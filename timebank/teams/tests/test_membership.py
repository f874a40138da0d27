"""Joining a team, the leader's decision, leaving; bad input changes nothing."""
import pytest

from timebank.conftest import make_person
from timebank.lib.errors import DomainError, NotFound
from timebank.teams import selectors, services
from timebank.teams.models import Membership, MembershipStatus


@pytest.fixture
def joiner(team_world):
    return make_person(team_world.station_a1, "钱加入", mobile="13800000041", is_volunteer=True,
                       volunteer_status="approved")


def test_it_joins_on_request_once_the_leader_approves(team_world, joiner):
    w = team_world
    membership = services.team_join(actor=joiner, team=w.team)
    assert membership.status == MembershipStatus.PENDING
    services.membership_decide(actor=w.volunteer, team=w.team, person=joiner, approve=True)
    assert w.team in selectors.teams_of(joiner)
    assert joiner.pk in [row.membership.person_id for row in selectors.member_rows(w.team)]


def test_the_leader_may_reject_and_the_person_may_ask_again(team_world, joiner):
    w = team_world
    services.team_join(actor=joiner, team=w.team)
    services.membership_decide(actor=w.volunteer, team=w.team, person=joiner, approve=False)
    assert w.team not in selectors.teams_of(joiner)
    assert services.team_join(actor=joiner, team=w.team).status == MembershipStatus.PENDING


def test_joining_twice_is_refused(team_world, joiner):
    w = team_world
    services.team_join(actor=joiner, team=w.team)
    with pytest.raises(DomainError) as err:
        services.team_join(actor=joiner, team=w.team)
    assert err.value.code == "already_member"
    assert Membership.objects.filter(team=w.team, person=joiner).count() == 1


def test_a_member_leaves_and_the_leader_cannot(team_world, joiner):
    w = team_world
    services.team_join(actor=joiner, team=w.team)
    services.membership_decide(actor=w.volunteer, team=w.team, person=joiner, approve=True)
    services.team_leave(actor=joiner, team=w.team)
    assert w.team not in selectors.teams_of(joiner)
    with pytest.raises(DomainError) as err:
        services.team_leave(actor=w.volunteer, team=w.team)
    assert err.value.code == "leader_cannot_leave"


def test_a_leader_acting_on_another_team_is_refused(team_world, joiner):
    w = team_world
    services.team_join(actor=joiner, team=w.sister_team)
    with pytest.raises(DomainError) as err:
        services.membership_decide(actor=w.volunteer, team=w.sister_team, person=joiner, approve=True)
    assert err.value.code == "not_team_leader"
    assert Membership.objects.get(team=w.sister_team, person=joiner).status == MembershipStatus.PENDING


def test_another_branch_sees_nothing_of_the_team(team_world, joiner):
    w = team_world
    services.team_join(actor=joiner, team=w.team)
    for outsider in (w.other_branch_admin, w.other_volunteer):
        with pytest.raises(NotFound):
            selectors.team_get(outsider, w.team.pk)
    with pytest.raises(NotFound):
        services.membership_decide(actor=w.other_branch_admin, team=w.team, person=joiner, approve=True)
    with pytest.raises(NotFound):
        services.team_join(actor=w.other_volunteer, team=w.team)
    assert Membership.objects.get(team=w.team, person=joiner).status == MembershipStatus.PENDING


def test_staff_of_the_node_may_decide_too(team_world, joiner):
    w = team_world
    services.team_join(actor=joiner, team=w.team)
    services.membership_decide(actor=w.branch_admin, team=w.team, person=joiner, approve=True)
    assert w.team in selectors.teams_of(joiner)
