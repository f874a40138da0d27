import datetime as dt

import pytest

from timebank.audit.models import AuditEvent
from timebank.conftest import make_person
from timebank.orgs.models import NodeKind
from timebank.orgs.roles import Role
from timebank.orgs.services import node_create, role_grant
from timebank.people.models import Person


def names_listed(api_client) -> set[str]:
    response = api_client.get("/api/v1/people?limit=200")
    assert response.status_code == 200
    return {p["name"] for p in response.json()["items"]}


@pytest.mark.parametrize("method,suffix", [("get", ""), ("patch", ""), ("get", "/identity")])
def test_another_branchs_staff_get_a_404_and_change_nothing(world, api_client, method, suffix):
    api_client.login_as(world.other_branch_admin)
    response = getattr(api_client, method)(f"/api/v1/people/{world.elder.pk}{suffix}", {"address": "改掉"},
                                           content_type="application/json")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": response.json()["message"], "detail": {}}
    world.elder.refresh_from_db()
    assert world.elder.address == ""
    assert not AuditEvent.objects.filter(object_id=str(world.elder.pk), action__in=["person.updated",
                                                                                      "person.viewed_full"]).exists()


def test_a_missing_person_looks_the_same_as_one_out_of_reach(world, api_client):
    api_client.login_as(world.other_branch_admin)
    out_of_reach = api_client.get(f"/api/v1/people/{world.elder.pk}").json()
    missing = api_client.get("/api/v1/people/999999").json()
    assert out_of_reach == missing


def test_station_staff_reach_only_their_own_station(world, api_client):
    neighbour = make_person(world.station_a2, "国权老人", birth=dt.date(1940, 1, 1), sex="F", is_elder=True)
    api_client.login_as(world.station_staff)
    assert api_client.get(f"/api/v1/people/{neighbour.pk}").status_code == 404
    assert api_client.patch(f"/api/v1/people/{neighbour.pk}", {"address": "x"},
                            content_type="application/json").status_code == 404
    names = names_listed(api_client)
    assert "张晓明" in names and "国权老人" not in names and "王长白" not in names


def test_a_branch_admin_reaches_every_station_of_their_street(world, api_client):
    make_person(world.station_a2, "国权老人", birth=dt.date(1940, 1, 1), sex="F", is_elder=True)
    api_client.login_as(world.branch_admin)
    names = names_listed(api_client)
    assert {"张晓明", "国权老人"} <= names and "王长白" not in names


def test_a_role_reaches_stations_added_after_it_was_granted(world, api_client):
    station = node_create(actor=world.bank_admin, parent=world.branch_a, kind=NodeKind.STATION, name="新建社区")
    newcomer = make_person(station, "新来老人", birth=dt.date(1940, 1, 1), sex="M", is_elder=True)
    api_client.login_as(world.branch_admin)
    assert api_client.get(f"/api/v1/people/{newcomer.pk}").status_code == 200


def test_the_auditor_sees_everyone_but_cannot_change_anyone(world, api_client):
    api_client.login_as(world.auditor)
    assert {"张晓明", "王长白"} <= names_listed(api_client)
    assert api_client.get(f"/api/v1/people/{world.other_elder.pk}").status_code == 200
    response = api_client.patch(f"/api/v1/people/{world.elder.pk}", {"name": "改名"}, content_type="application/json")
    assert response.status_code in (403, 404)
    world.elder.refresh_from_db()
    assert world.elder.name == "张晓明"
    assert api_client.get(f"/api/v1/people/{world.elder.pk}/identity").status_code == 403


def test_members_see_themselves_and_nobody_else(world, api_client):
    api_client.login_as(world.volunteer)
    assert api_client.get(f"/api/v1/people/{world.volunteer.pk}").json()["name"] == "李志愿"
    assert api_client.get(f"/api/v1/people/{world.elder.pk}").status_code == 404
    assert api_client.get("/api/v1/people").json()["items"] == []
    response = api_client.patch(f"/api/v1/people/{world.volunteer.pk}", {"name": "改名"},
                                content_type="application/json")
    assert response.status_code == 404


def test_a_bank_admin_cannot_reach_another_banks_people(world, api_client):
    bank = node_create(actor=None, parent=world.platform, kind=NodeKind.BANK, name="虹口区")
    admin = make_person(world.station_a1, "虹口管理员", mobile="13900000041")
    admin.bank, admin.node = bank, bank
    admin.save(update_fields=["bank", "node"])
    role_grant(actor=None, person=admin, role=Role.BANK_ADMIN, node=bank)
    api_client.login_as(admin)
    assert api_client.get(f"/api/v1/people/{world.elder.pk}").status_code == 404
    assert api_client.get(f"/api/v1/people/{world.elder.pk}/identity").status_code == 404
    assert not names_listed(api_client) & {"张晓明", "王长白", "李志愿"}


def test_every_change_is_audited_with_before_and_after(world, api_client):
    api_client.login_as(world.station_staff)
    response = api_client.patch(f"/api/v1/people/{world.elder.pk}",
                                {"address": "政立路580弄3号", "name": "张晓明", "emergency_contact_phone": "138 0000 9999"},
                                content_type="application/json", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200, response.content
    event = AuditEvent.objects.get(action="person.updated")
    assert event.actor == world.station_staff and event.object_id == str(world.elder.pk)
    assert event.changes == {"address": ["", "政立路580弄3号"], "emergency_contact_phone": ["", "13800009999"]}
    assert event.node == world.station_a1 and event.bank == world.bank
    assert event.ip == "10.1.2.3"


def test_a_patch_that_changes_nothing_writes_no_audit_event(world, api_client):
    api_client.login_as(world.station_staff)
    response = api_client.patch(f"/api/v1/people/{world.elder.pk}", {"name": "张晓明"}, content_type="application/json")
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="person.updated").exists()


@pytest.mark.parametrize("payload,code", [
    ({"mobile": "12345"}, "mobile_invalid"),
    ({"status": "gone"}, "status_invalid"),
    ({"station_id": 987654}, "station_unknown"),
    ({"is_elder": True}, "too_young"),
])
def test_a_bad_patch_is_refused_and_changes_nothing(world, api_client, payload, code):
    api_client.login_as(world.station_staff)
    before = Person.objects.filter(pk=world.proxy.pk).values().get()
    response = api_client.patch(f"/api/v1/people/{world.proxy.pk}", payload, content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == code
    assert Person.objects.filter(pk=world.proxy.pk).values().get() == before
    assert not AuditEvent.objects.filter(action="person.updated").exists()


def test_staff_cannot_move_a_person_to_a_station_outside_their_reach(world, api_client):
    api_client.login_as(world.station_staff)
    response = api_client.patch(f"/api/v1/people/{world.elder.pk}", {"station_id": world.station_b1.pk},
                                content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "station_unknown"
    world.elder.refresh_from_db()
    assert world.elder.node == world.station_a1


def test_lists_and_records_show_numbers_masked(world, api_client):
    api_client.login_as(world.bank_admin)
    for response in (api_client.get(f"/api/v1/people/{world.volunteer.pk}"), api_client.get("/api/v1/people")):
        text = response.content.decode()
        assert world.volunteer.plain_id_number not in text and "13800000011" not in text
    person = api_client.get(f"/api/v1/people/{world.volunteer.pk}").json()
    assert person["mobile_masked"] == "138****0011"
    assert person["id_number_masked"] == world.volunteer.plain_id_number[:6] + "********" + \
        world.volunteer.plain_id_number[-4:]
    assert not AuditEvent.objects.filter(action="person.viewed_full").exists()


def test_a_full_view_shows_the_numbers_and_names_the_viewer_in_the_audit_trail(world, api_client):
    api_client.login_as(world.bank_admin)
    full = api_client.get(f"/api/v1/people/{world.volunteer.pk}/identity").json()
    assert full == {"id_number": world.volunteer.plain_id_number, "mobile": "13800000011"}
    event = AuditEvent.objects.get(action="person.viewed_full")
    assert (event.actor, event.object_id, event.ip) == (world.bank_admin, str(world.volunteer.pk), "127.0.0.1")


def test_staff_find_people_by_pinyin_initials_and_last_four_digits(world, api_client):
    api_client.login_as(world.branch_admin)

    def found(q):
        return {p["name"] for p in api_client.get("/api/v1/people", {"q": q}).json()["items"]}

    assert found("zxm") == {"张晓明"}
    assert "李志愿" in found("0011")
    assert found(world.elder.plain_id_number[-4:]) >= {"张晓明"}
    assert found("wcb") == set()  # 王长白 is in another street
