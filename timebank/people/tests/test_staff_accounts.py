import datetime as dt

import pytest

from timebank.audit.models import AuditEvent
from timebank.conftest import make_person
from timebank.lib.errors import DomainError
from timebank.orgs.roles import Role
from timebank.orgs.services import role_grant
from timebank.people.services import password_reset_by_staff

NEW_PASSWORD = "Changed#2026"


@pytest.fixture
def admin_living_nearby(world):
    """A branch admin whose home station is the one the station staff look after."""
    admin = make_person(world.station_a1, "邻居管理员", mobile="13900000051")
    role_grant(actor=None, person=admin, role=Role.BRANCH_ADMIN, node=world.branch_a)
    return admin


def test_staff_reset_an_elders_password_and_the_elder_signs_in_with_it(world, api_client):
    elder = make_person(world.station_a1, "钱阿婆", mobile="13800000077", birth=dt.date(1944, 1, 1), sex="F",
                        is_elder=True)
    password_reset_by_staff(actor=world.station_staff, person=elder, new_password=NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="person.password_reset", actor=world.station_staff,
                                     object_id=str(elder.pk)).exists()
    api_client.login_as(elder, password=NEW_PASSWORD)
    assert api_client.get("/api/v1/me").json()["name"] == "钱阿婆"


def test_station_staff_cannot_reset_the_password_of_an_admin_who_lives_nearby(world, admin_living_nearby, api_client):
    with pytest.raises(DomainError) as err:
        password_reset_by_staff(actor=world.station_staff, person=admin_living_nearby, new_password=NEW_PASSWORD)
    assert err.value.status == 403
    api_client.login_as(admin_living_nearby)  # the old password still works
    assert not AuditEvent.objects.filter(action="person.password_reset").exists()


def test_station_staff_cannot_change_the_mobile_of_an_admin_who_lives_nearby(world, admin_living_nearby, api_client):
    api_client.login_as(world.station_staff)
    response = api_client.patch(f"/api/v1/people/{admin_living_nearby.pk}", {"mobile": "13700000099"},
                                content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "roles_out_of_reach"
    admin_living_nearby.refresh_from_db()
    assert admin_living_nearby.mobile == "13900000051"


def test_a_branch_admin_still_manages_the_station_staff_of_their_street(world, api_client):
    password_reset_by_staff(actor=world.branch_admin, person=world.station_staff, new_password=NEW_PASSWORD)
    api_client.login_as(world.branch_admin)
    response = api_client.patch(f"/api/v1/people/{world.station_staff.pk}", {"address": "国定路"},
                                content_type="application/json")
    assert response.status_code == 200


def test_nobody_resets_their_own_password_through_the_staff_reset(world):
    with pytest.raises(DomainError) as err:
        password_reset_by_staff(actor=world.branch_admin, person=world.branch_admin, new_password=NEW_PASSWORD)
    assert err.value.status == 404


def test_a_weak_new_password_is_refused(world):
    with pytest.raises(DomainError) as err:
        password_reset_by_staff(actor=world.station_staff, person=world.volunteer, new_password="12345678")
    assert err.value.code == "password_weak"
