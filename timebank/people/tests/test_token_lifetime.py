"""API tokens end: revoked by their owner (page or API), by any password change or reset, and by age."""
import datetime as dt

from django.test import Client

from timebank.audit.models import AuditEvent
from timebank.people.models import ApiToken
from timebank.people.services import api_token_create, password_reset_by_staff

NEW_PASSWORD = "Changed#2026"


def _me(raw: str) -> int:
    return Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code


def test_a_staff_password_reset_revokes_the_persons_tokens(world):
    _, raw = api_token_create(actor=world.volunteer, name="旧手机")
    _, other = api_token_create(actor=world.proxy, name="someone else's")
    assert _me(raw) == 200
    password_reset_by_staff(actor=world.station_staff, person=world.volunteer, new_password=NEW_PASSWORD)
    assert _me(raw) == 401
    assert not ApiToken.objects.filter(person=world.volunteer, revoked_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="token.revoked_all", object_id=str(world.volunteer.pk),
                                     changes__count=1).exists()
    assert _me(other) == 200


def test_a_staff_password_reset_on_the_page_revokes_the_tokens(world, client):
    _, raw = api_token_create(actor=world.volunteer, name="平板")
    client.force_login(world.station_staff)
    client.post(f"/people/{world.volunteer.pk}/password/",
                {"new_password": "Fresh#Start-2026", "new_password_again": "Fresh#Start-2026"})
    assert _me(raw) == 401


def test_a_password_changed_outside_the_services_also_ends_the_tokens(world):
    _, raw = api_token_create(actor=world.volunteer, name="脚本")
    world.volunteer.set_password(NEW_PASSWORD)  # what `manage.py changepassword` does
    world.volunteer.save()
    assert _me(raw) == 401


def test_a_token_expires_after_its_lifetime(world, clock, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 90
    token, raw = api_token_create(actor=world.volunteer, name="集成")
    assert token.expires_at == clock.now + dt.timedelta(days=90)
    clock.advance(days=89, hours=23)
    assert _me(raw) == 200
    clock.advance(hours=1)
    assert _me(raw) == 401


def test_the_token_endpoint_says_when_the_token_expires(world, api_client):
    response = api_client.post("/api/v1/auth/token", {"username": world.volunteer.mobile, "password": world.password},
                               content_type="application/json")
    assert response.json()["expires_at"]


def test_a_person_lists_and_revokes_their_tokens_through_the_api(world, api_client):
    other, other_raw = api_token_create(actor=world.proxy, name="not yours")
    api_client.login_as(world.volunteer)
    listed = api_client.get("/api/v1/tokens").json()
    assert [t["name"] for t in listed["items"]] == ["API"]
    assert "token" not in listed["items"][0] and "key_hash" not in listed["items"][0]
    spare, spare_raw = api_token_create(actor=world.volunteer, name="spare")

    assert api_client.delete(f"/api/v1/tokens/{spare.pk}").status_code == 204
    assert _me(spare_raw) == 401
    assert AuditEvent.objects.filter(action="token.revoked", object_id=str(spare.pk)).exists()
    again = api_client.delete(f"/api/v1/tokens/{spare.pk}")
    assert again.status_code == 409 and again.json()["code"] == "token_revoked"
    # Someone else's token is simply not there.
    response = api_client.delete(f"/api/v1/tokens/{other.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert _me(other_raw) == 200

