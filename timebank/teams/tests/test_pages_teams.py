"""Team pages: staff set up a team, a volunteer asks to join, the leader accepts and claims a group
activity for ticked members, a member leaves; staff of another branch see nothing."""
from timebank.conftest import make_person
from timebank.demands.models import Assignment
from timebank.demands.tests.conftest import new_demand
from timebank.teams.models import Membership, MembershipStatus, Team


def test_staff_create_a_team_with_a_leader(team_world, client):
    w = team_world
    client.force_login(w.branch_admin)
    page = client.get("/teams/")
    assert page.status_code == 200 and "五角场助老服务队" in page.content.decode()
    response = client.post("/teams/new/", {"node": w.branch_a.pk, "name": "理发服务队", "leader": w.volunteer.pk})
    team = Team.objects.get(name="理发服务队")
    assert response.status_code == 302 and response["Location"] == f"/teams/{team.pk}/"
    again = client.post("/teams/new/", {"node": w.branch_a.pk, "name": "理发服务队", "leader": w.volunteer.pk})
    assert again.status_code == 422 and Team.objects.filter(name="理发服务队").count() == 1


def test_a_volunteer_asks_to_join_the_leader_accepts_and_the_member_leaves(team_world, client):
    w = team_world
    joiner = make_person(w.station_a1, "陈志愿", mobile="13800000061", is_volunteer=True, volunteer_status="approved")
    client.force_login(joiner)
    assert "五角场助老服务队" in client.get("/teams/").content.decode()
    client.post(f"/teams/{w.team.pk}/join/")
    assert Membership.objects.get(team=w.team, person=joiner).status == MembershipStatus.PENDING
    page = client.get(f"/teams/{w.team.pk}/join/")
    assert page.status_code == 405
    again = client.post(f"/teams/{w.team.pk}/join/", follow=True)
    assert "已是该团队成员或已申请加入" in again.content.decode() or again.status_code == 200
    assert Membership.objects.filter(team=w.team, person=joiner).count() == 1

    client.force_login(w.volunteer)  # the leader
    page = client.get(f"/teams/{w.team.pk}/").content.decode()
    assert "陈志愿" in page
    client.post(f"/teams/{w.team.pk}/members/{joiner.pk}/decide/", {"decision": "approve"})
    assert Membership.objects.get(team=w.team, person=joiner).status == MembershipStatus.APPROVED

    client.force_login(joiner)
    client.post(f"/teams/{w.team.pk}/leave/")
    assert Membership.objects.get(team=w.team, person=joiner).status == MembershipStatus.LEFT


def test_the_leader_claims_a_group_activity_for_ticked_members(team_world, client):
    w = team_world
    members = []
    for i in range(2):
        person = make_person(w.station_a1, f"队员{i}", mobile=f"1380000007{i}", is_volunteer=True,
                             volunteer_status="approved")
        Membership.objects.create(team=w.team, person=person, status=MembershipStatus.APPROVED)
        members.append(person)
    demand = new_demand(w, service_type=w.lecture, headcount=5)
    client.force_login(w.volunteer)
    form = client.get(f"/teams/{w.team.pk}/claim/")
    assert form.status_code == 200 and "队员0" in form.content.decode()
    response = client.post(f"/teams/{w.team.pk}/claim/", {"demand": demand.pk, "members": [m.pk for m in members]})
    assert response.status_code == 302
    assert set(Assignment.objects.filter(demand=demand).values_list("volunteer_id", flat=True)) == {
        m.pk for m in members}
    empty = client.post(f"/teams/{w.team.pk}/claim/", {"demand": demand.pk})
    assert empty.status_code == 422


def test_a_member_cannot_open_the_claim_form_and_other_branch_staff_get_404(team_world, client):
    w = team_world
    client.force_login(w.volunteer2)
    assert client.get(f"/teams/{w.team.pk}/claim/").status_code == 404
    client.force_login(w.other_branch_admin)
    assert client.get(f"/teams/{w.team.pk}/").status_code == 404
    assert client.post(f"/teams/{w.team.pk}/members/{w.volunteer.pk}/remove/").status_code == 404
    assert "五角场助老服务队" not in client.get("/teams/").content.decode()


def test_a_leaders_home_links_to_the_team_and_counts_who_waits_for_a_decision(team_world, client):
    w = team_world
    for i, name in enumerate(("陈志愿", "刘志愿")):
        joiner = make_person(w.station_a1, name, mobile=f"1380000007{i}", is_volunteer=True,
                             volunteer_status="approved")
        client.force_login(joiner)
        client.post(f"/teams/{w.team.pk}/join/")
        assert f'href="/teams/{w.team.pk}/"' not in client.get("/").content.decode()  # a member leads nothing
    client.force_login(w.volunteer)
    home = client.get("/").content.decode()
    assert "我带领的服务队" in home and f'href="/teams/{w.team.pk}/"' in home and "五角场助老服务队" in home
    assert "2 名志愿者等您决定是否加入" in home
    Team.objects.filter(pk=w.team.pk).update(closed_at="2026-01-01T00:00:00Z")
    assert "我带领的服务队" not in client.get("/").content.decode()
