import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import F

from timebank.audit.models import AuditEvent
from timebank.devdata.district import DEMO_LOGINS, DEMO_PASSWORD, demo_logins_table
from timebank.lib import field_crypto, resident_id
from timebank.orgs.models import Node, NodeKind, RoleGrant
from timebank.people.models import Person, ProxyLink, VolunteerStatus
from timebank.people.services import age_on

YANGPU_STREETS = {"定海路街道", "平凉路街道", "江浦路街道", "四平路街道", "控江路街道", "长白新村街道", "延吉新村街道",
                  "殷行街道", "大桥街道", "五角场街道", "新江湾城街道", "长海路街道"}


@pytest.fixture
def seeded(db):
    call_command("seed_demo", stdout=StringIO())


def test_it_loads_yangpu_with_its_twelve_streets_and_their_stations(seeded):
    bank = Node.objects.get(kind=NodeKind.BANK, code="yangpu")
    assert bank.name == "杨浦区" and bank.parent.kind == NodeKind.PLATFORM
    branches = Node.objects.filter(parent=bank, kind=NodeKind.BRANCH)
    assert {b.name for b in branches} == YANGPU_STREETS
    for branch in branches:
        stations = branch.children.all()
        assert 2 <= len(stations) <= 3
        for station in stations:
            assert 31.26 <= station.latitude <= 31.33 and 121.49 <= station.longitude <= 121.57


def test_it_registers_elders_volunteers_and_proxies_who_pass_the_banks_own_checks(seeded):
    today = dt.date.today()
    elders = Person.objects.filter(is_elder=True)
    assert 45 <= elders.count() <= 60
    assert all(60 <= age_on(e.birth_date, today) <= 96 for e in elders)
    assert elders.filter(mobile__isnull=True).count() > elders.count() // 2
    volunteers = Person.objects.filter(is_volunteer=True)
    assert 45 <= volunteers.count() <= 60
    assert all(18 <= age_on(v.birth_date, today) <= 71 for v in volunteers)
    assert volunteers.filter(volunteer_status=VolunteerStatus.PENDING).exists()
    assert volunteers.filter(volunteer_status=VolunteerStatus.APPROVED).count() > volunteers.count() * 3 // 4
    assert ProxyLink.objects.values("proxy").distinct().count() >= 5
    assert not ProxyLink.objects.pending().exists()  # each asked for by a station, confirmed by its branch
    assert not ProxyLink.objects.filter(confirmed_by=F("created_by")).exists()
    for person in Person.objects.all():
        number = resident_id.parse(field_crypto.decrypt(person.id_number_encrypted))
        assert number.number.startswith("310110") and number.birth_date == person.birth_date


def test_a_second_run_changes_nothing(seeded):
    people, events, nodes = Person.objects.count(), AuditEvent.objects.count(), Node.objects.count()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "already" in out.getvalue()
    assert (Person.objects.count(), AuditEvent.objects.count(), Node.objects.count()) == (people, events, nodes)


def test_every_demo_login_signs_in_with_the_shared_password_and_holds_its_role(seeded, api_client):
    expected = {"platform admin": "platform_admin", "bank admin": "bank_admin", "auditor": "auditor",
                "branch admin": "branch_admin", "station staff": "station_staff", "medical staff": "medical_staff",
                "supplier": "supplier", "team leader": "team_leader"}
    for label, mobile in DEMO_LOGINS:
        api_client.token = None
        response = api_client.post("/api/v1/auth/token", {"username": mobile, "password": DEMO_PASSWORD},
                                   content_type="application/json")
        assert response.status_code == 200, (label, response.content)
        api_client.token = response.json()["token"]
        me = api_client.get("/api/v1/me").json()
        kind = label.split(" (")[0]
        if kind in expected:
            assert expected[kind] in {r["role"] for r in me["roles"]}, label
        elif kind == "volunteer":
            assert me["is_volunteer"] and me["volunteer_status"] == "approved"
        elif kind == "elder":
            assert me["is_elder"]
        elif kind == "proxy":
            assert me["acts_for"]


def test_the_two_branch_admins_and_station_staff_work_in_different_streets(seeded):
    def street(mobile, role):
        grant = RoleGrant.objects.get(person__mobile=mobile, role=role)
        return grant.node if grant.node.kind == NodeKind.BRANCH else grant.node.parent

    admins = [m for label, m in DEMO_LOGINS if label.startswith("branch admin")]
    staff = [m for label, m in DEMO_LOGINS if label.startswith("station staff")]
    assert street(admins[0], "branch_admin") != street(admins[1], "branch_admin")
    assert street(staff[0], "station_staff") != street(staff[1], "station_staff")


def test_the_readme_shows_the_same_logins_as_demo_logins_prints(db):
    out = StringIO()
    call_command("demo_logins", stdout=out, stderr=StringIO())
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    assert demo_logins_table() in out.getvalue()
    assert demo_logins_table() in readme


def test_the_neighbour_district_shows_the_city_clearing_and_loads_once(db):
    from io import StringIO

    from django.core.management import call_command

    from timebank.clearing.models import CrossBankTransfer, MemberMove, NettingRun
    from timebank.ledger import chain
    from timebank.orgs.models import Node

    call_command("seed_demo", neighbour=True, stdout=StringIO())
    call_command("seed_demo", neighbour=True, stdout=StringIO())
    assert Node.objects.filter(code="hongkou").count() == 1
    move = MemberMove.objects.get()
    assert move.minutes > 0 and move.to_bank.code == "hongkou"
    run = NettingRun.objects.get()
    assert run.records == CrossBankTransfer.objects.count() == 1 + bool(move.points)
    assert run.settled_minutes == move.minutes
    assert chain.verify().ok


def test_the_demo_team_leader_leads_a_team_of_his_street_linked_from_his_home(seeded, client):
    from timebank.teams.models import MembershipStatus, Team

    leader = Person.objects.get(mobile=dict(DEMO_LOGINS)["team leader"])
    team = Team.objects.get(leader=leader)
    members = team.memberships.filter(status=MembershipStatus.APPROVED).exclude(person=leader)
    assert members.count() >= 3 and all(m.person.node.parent_id == team.node_id for m in members)
    client.force_login(leader)
    assert f'href="/teams/{team.pk}/"' in client.get("/").content.decode()
