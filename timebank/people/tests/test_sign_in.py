from timebank.people.models import ApiToken
from timebank.people.services import api_token_revoke


def token_response(api_client, username, password):
    return api_client.post("/api/v1/auth/token", {"username": username, "password": password},
                           content_type="application/json")


def test_a_wrong_password_is_refused_with_a_code(world, api_client):
    response = token_response(api_client, world.volunteer.mobile, "wrong-password")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials" and response.json()["message"]


def test_a_request_without_a_token_is_refused_with_the_error_shape(world, api_client):
    response = api_client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {"code": "unauthenticated", "message": response.json()["message"], "detail": {}}


def test_five_failed_sign_ins_lock_the_account_even_against_the_right_password(world, api_client):
    for _attempt in range(5):
        assert token_response(api_client, world.volunteer.mobile, "wrong-password").status_code in (401, 403)
    response = token_response(api_client, world.volunteer.mobile, world.password)
    assert response.status_code == 403
    assert response.json()["code"] == "locked_out"
    assert not ApiToken.objects.filter(person=world.volunteer).exists()


def test_a_locked_account_does_not_lock_others_at_the_same_station_pc(world, api_client):
    for _attempt in range(6):
        token_response(api_client, world.volunteer.mobile, "wrong-password")
    assert token_response(api_client, world.proxy.mobile, world.password).status_code == 200


def test_four_failures_then_the_right_password_signs_in(world, api_client):
    for _attempt in range(4):
        token_response(api_client, world.volunteer.mobile, "wrong-password")
    assert token_response(api_client, world.volunteer.mobile, world.password).status_code == 200


def test_a_revoked_token_is_refused(world, api_client):
    api_client.login_as(world.station_staff)
    assert api_client.get("/api/v1/me").status_code == 200
    token = ApiToken.objects.get(person=world.station_staff)
    assert token.key_hash != api_client.token and api_client.token not in token.key_hash
    api_token_revoke(actor=world.station_staff, token=token)
    response = api_client.get("/api/v1/me")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_revoking_one_token_leaves_the_others_working(world, api_client):
    first = api_client.login_as(world.station_staff).token
    second = api_client.login_as(world.station_staff).token
    api_token_revoke(actor=world.station_staff, token=ApiToken.objects.get(prefix=first[:10]))
    api_client.token = second
    assert api_client.get("/api/v1/me").status_code == 200
    api_client.token = first
    assert api_client.get("/api/v1/me").status_code == 401


def test_a_suspended_persons_token_stops_working(world, api_client):
    from timebank.people.services import person_update

    api_client.login_as(world.volunteer)
    person_update(actor=world.station_staff, person=world.volunteer, status="suspended")
    assert api_client.get("/api/v1/me").status_code == 401
