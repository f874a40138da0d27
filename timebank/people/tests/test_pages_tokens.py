"""Each signed-in person manages their own API tokens."""
from timebank.people.models import ApiToken


def test_a_person_creates_a_token_sees_it_once_and_revokes_it(world, client):
    client.force_login(world.volunteer)
    response = client.post("/me/tokens/", {"name": "家里的平板"})
    page = response.content.decode()
    token = ApiToken.objects.get(person=world.volunteer)
    raw = page.split('<code class="token">')[1].split("</code>")[0]
    assert raw.startswith(token.prefix)
    assert response["Cache-Control"] == "no-store"
    assert raw not in client.get("/me/tokens/").content.decode()  # shown only once

    api = client.__class__()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    client.post(f"/me/tokens/{token.pk}/revoke/")
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert "已撤销" in client.get("/me/tokens/").content.decode()


def test_nobody_revokes_someone_elses_token(world, client):
    from timebank.people.services import api_token_create

    token, _ = api_token_create(actor=world.station_staff, name="station")
    client.force_login(world.volunteer)
    assert client.post(f"/me/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_token_link_is_for_staff_and_integrators_never_on_an_elders_home(world, client):
    from timebank.orgs.roles import Role
    from timebank.orgs.services import role_grant
    from timebank.people.services import api_token_create

    for member in (world.elder, world.volunteer, world.proxy):
        client.force_login(member)
        assert "我的 API 令牌" not in client.get("/").content.decode()
    api_token_create(actor=world.volunteer, name="志愿者小程序")  # an integrator already holds a token
    client.force_login(world.volunteer)
    assert "我的 API 令牌" in client.get("/").content.decode()
    role_grant(actor=None, person=world.proxy, role=Role.SUPPLIER, node=world.branch_a)  # a supplier's staff
    client.force_login(world.proxy)
    assert "我的 API 令牌" in client.get("/").content.decode()
    client.force_login(world.station_staff)
    assert "我的 API 令牌" in client.get("/").content.decode()
    client.force_login(world.elder)
    assert client.get("/me/tokens/").status_code == 200  # the page itself stays open (the mobile client)
