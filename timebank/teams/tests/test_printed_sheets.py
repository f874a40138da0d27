"""The team roster on paper, for stations that run on it: the leader or the branch prints it, a member
cannot, and the members' numbers are masked."""
import pytest

from timebank.teams import services as teams
from timebank.tests.printed import pdf_text

pytestmark = pytest.mark.django_db


def test_the_leader_prints_the_team_roster_and_a_member_cannot(team_world, client):
    w = team_world
    teams.team_join(actor=w.volunteer2, team=w.team)
    teams.membership_decide(actor=w.volunteer, team=w.team, person=w.volunteer2, approve=True)
    client.force_login(w.volunteer)  # the leader
    response = client.get(f"/teams/{w.team.pk}/roster.pdf")
    text = pdf_text(response.content)
    assert response.status_code == 200 and "五角场助老服务队" in text and w.volunteer2.name in text
    assert w.volunteer2.mobile not in text  # the number is masked on paper
    client.force_login(w.volunteer2)
    assert client.get(f"/teams/{w.team.pk}/roster.pdf").status_code == 404
