"""Every API error is `{code, message, detail}` JSON: an unknown path and a body too large to read too."""
import json

import pytest


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "detail"} and body["code"] == code


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/nothing-here", "/api/v1/people/abc/xyz", "/api/v1/people/"])
def test_an_unknown_api_path_is_a_json_not_found(db, api_client, path):
    assert_error(api_client.get(path), 404, "not_found")
    assert_error(api_client.post(path, {}, content_type="application/json"), 404, "not_found")


def test_an_unknown_api_path_is_json_for_a_signed_in_caller_too(world, api_client):
    api_client.login_as(world.volunteer)
    assert_error(api_client.delete("/api/v1/no/such/thing"), 404, "not_found")


def test_a_json_body_over_the_limit_is_a_json_413(world, api_client, settings):
    body = json.dumps({"username": "1" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10), "password": "x"})
    response = api_client.post("/api/v1/auth/token", body, content_type="application/json")
    assert_error(response, 413, "too_large")
    assert response.json()["detail"]["max_bytes"] == settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_a_form_body_over_the_limit_is_a_json_413_for_a_signed_in_caller(world, api_client, settings):
    api_client.login_as(world.station_staff)
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    response = api_client.post("/api/v1/people", f"name={big}", content_type="application/x-www-form-urlencoded")
    assert_error(response, 413, "too_large")
    response = api_client.post("/api/v1/people", json.dumps({"name": big}), content_type="application/json")
    assert_error(response, 413, "too_large")
