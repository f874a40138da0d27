"""A lockout holds one username at one address: a stranger who types an elder's number wrong five times locks
out only himself. Staff who may reset the person's password unlock them (page or API), audited, rate limited."""
from django.test import Client

from timebank.audit.models import AuditEvent

STRANGER, HOME = "198.51.100.7", "192.0.2.20"  # documentation addresses


def sign_in(person, password, address):
    return Client().post("/api/v1/auth/token", {"username": person.mobile, "password": password},
                         content_type="application/json", REMOTE_ADDR=address)


def lock(person, address=STRANGER):
    for _attempt in range(5):
        sign_in(person, "wrong-password", address)
    assert sign_in(person, "wrong-password", address).json()["code"] == "locked_out"


def test_failures_from_one_address_do_not_lock_the_person_out_elsewhere(world):
    lock(world.volunteer)
    assert sign_in(world.volunteer, world.password, HOME).status_code == 200
    assert sign_in(world.volunteer, world.password, STRANGER).json()["code"] == "locked_out"


def test_staff_unlock_a_person_through_the_api_and_it_is_audited(world, api_client):
    lock(world.volunteer)
    api_client.login_as(world.station_staff)
    response = api_client.post(f"/api/v1/people/{world.volunteer.pk}/unlock")
    assert response.status_code == 200 and response.json()["cleared"] >= 1
    assert sign_in(world.volunteer, world.password, STRANGER).status_code == 200
    assert AuditEvent.objects.filter(action="person.login_unlocked", actor=world.station_staff,
                                     object_id=str(world.volunteer.pk)).exists()


def test_staff_of_another_branch_cannot_unlock(world, api_client):
    lock(world.volunteer)
    api_client.login_as(world.other_station_staff)
    assert api_client.post(f"/api/v1/people/{world.volunteer.pk}/unlock").status_code == 404
    assert sign_in(world.volunteer, world.password, STRANGER).json()["code"] == "locked_out"


def test_unlocking_is_rate_limited(world, api_client, settings):
    settings.LOGIN_UNLOCKS_PER_HOUR = 2
    api_client.login_as(world.station_staff)
    for _time in range(2):
        assert api_client.post(f"/api/v1/people/{world.volunteer.pk}/unlock").status_code == 200
    response = api_client.post(f"/api/v1/people/{world.proxy.pk}/unlock")
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"


def test_the_record_page_shows_a_lockout_and_unlocks_it(world, client):
    lock(world.volunteer)
    client.force_login(world.station_staff)
    assert 'id="locked-out"' in client.get(f"/people/{world.volunteer.pk}/").content.decode()
    assert client.post(f"/people/{world.volunteer.pk}/unlock/").status_code == 302
    assert 'id="locked-out"' not in client.get(f"/people/{world.volunteer.pk}/").content.decode()
    assert sign_in(world.volunteer, world.password, STRANGER).status_code == 200
