"""Odd input the fuzzer taught us about: each gets a 4xx with the error shape, never a 500."""
import pytest

from timebank.people.models import Person


def assert_refused(response, statuses=(400, 404, 422)):
    assert response.status_code in statuses, response.content
    assert set(response.json()) == {"code", "message", "detail"}


@pytest.mark.parametrize("query", ["q=%00", "status=%00", "volunteer_status=a%00b", "station_id=9223372036854775808",
                                   "station_id=-1", "limit=0", "limit=100000", "cursor=%00"])
def test_odd_list_queries_are_refused_not_crashed(world, api_client, query):
    api_client.login_as(world.branch_admin)
    assert_refused(api_client.get(f"/api/v1/people?{query}"))


@pytest.mark.parametrize("person_id", ["9223372036854775808", "99999999999999999999999", "0"])
def test_an_impossible_person_id_is_simply_not_found(world, api_client, person_id):
    api_client.login_as(world.branch_admin)
    assert_refused(api_client.get(f"/api/v1/people/{person_id}"), statuses=(404, 422))


def test_a_nul_character_in_a_registration_is_refused_and_nothing_is_stored(world, api_client):
    api_client.login_as(world.station_staff)
    people = Person.objects.count()
    response = api_client.post("/api/v1/people", {"name": "陈\x00阿婆", "id_number": "11010519491231002X",
                                                  "station_id": world.station_a1.pk, "is_elder": True, "consent": True},
                               content_type="application/json")
    assert_refused(response)
    assert Person.objects.count() == people


@pytest.mark.parametrize("path,payload", [
    ("/api/v1/auth/token", {"username": "1390000\x000001", "password": "x"}),
    ("/api/v1/signup", {"name": "x", "mobile": "13700000001", "password": "Volunteer#2026\x00",
                        "id_number": "11010519491231002X", "station_id": 1, "consent": True}),
])
def test_a_nul_character_at_sign_in_or_sign_up_is_refused(world, api_client, path, payload):
    assert_refused(api_client.post(path, payload, content_type="application/json"))


def test_a_nul_character_in_a_change_is_refused(world, api_client):
    api_client.login_as(world.station_staff)
    assert_refused(api_client.patch(f"/api/v1/people/{world.elder.pk}", {"address": "政立路\x00"},
                                    content_type="application/json"))
    world.elder.refresh_from_db()
    assert world.elder.address == ""


def test_a_body_that_is_not_json_is_refused(world, api_client):
    api_client.login_as(world.station_staff)
    assert_refused(api_client.post("/api/v1/people", "{not json", content_type="application/json"))


def test_an_id_too_large_for_the_database_is_a_4xx_not_a_500(world, api_client, client):
    api_client.login_as(world.station_staff)
    for path in ("/api/v1/demands/99999999999999999999999", "/api/v1/people/99999999999999999999999"):
        response = api_client.get(path)
        assert 400 <= response.status_code < 500, (path, response.status_code)
    # As a filter it may simply match nothing; it must never be a server error.
    assert api_client.get("/api/v1/demands?station=99999999999999999999999").status_code < 500
    client.force_login(world.station_staff)
    assert 400 <= client.get("/demands/99999999999999999999999/").status_code < 500
