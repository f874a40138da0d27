"""The organisation tree and role grants through the API (bank admins; audited; another branch's is a 404)."""
from timebank.orgs.models import Node, RoleGrant
from timebank.orgs.roles import Role


def _send(client, method, path, body=None):
    return getattr(client, method)(path, body or {}, content_type="application/json")


def test_a_bank_admin_adds_renames_and_closes_a_station(world, api_client):
    api_client.login_as(world.bank_admin)
    added = _send(api_client, "post", f"/api/v1/orgs/{world.branch_a.pk}/children", {"name": "新建社区"})
    assert added.status_code == 201 and added.json()["kind"] == "station"
    assert added.json()["parent_id"] == world.branch_a.pk
    station = added.json()["id"]
    renamed = _send(api_client, "patch", f"/api/v1/orgs/{station}", {"name": "新建社区（二）"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "新建社区（二）"
    closed = _send(api_client, "post", f"/api/v1/orgs/{station}/close")
    assert closed.status_code == 200 and closed.json()["is_closed"] is True
    api_client.login_as(world.branch_admin)
    assert _send(api_client, "post", f"/api/v1/orgs/{world.branch_a.pk}/children", {"name": "x"}).status_code == 404
    assert Node.objects.filter(name="x").count() == 0


def test_roles_are_granted_by_mobile_and_revoked(world, api_client):
    api_client.login_as(world.branch_admin)
    granted = _send(api_client, "post", "/api/v1/orgs/role-grants",
                    {"mobile": world.volunteer.mobile, "role": "station_staff", "node_id": world.station_a1.pk})
    assert granted.status_code == 201 and granted.json()["role"] == Role.STATION_STAFF
    beyond = _send(api_client, "post", "/api/v1/orgs/role-grants",
                   {"mobile": world.volunteer.mobile, "role": "bank_admin", "node_id": world.station_a1.pk})
    assert beyond.status_code == 403 and beyond.json()["code"] == "role_not_grantable"
    assert not RoleGrant.objects.filter(role="bank_admin", person=world.volunteer).exists()
    elsewhere = _send(api_client, "post", "/api/v1/orgs/role-grants",
                      {"mobile": world.volunteer.mobile, "role": "station_staff", "node_id": world.station_b1.pk})
    assert elsewhere.status_code == 404
    revoked = api_client.delete(f"/api/v1/orgs/role-grants/{granted.json()['id']}")
    assert revoked.status_code == 204
    assert RoleGrant.objects.get(pk=granted.json()["id"]).revoked_at is not None


def test_a_station_gets_a_phone_and_hours_that_its_members_see(world, api_client, client):
    api_client.login_as(world.bank_admin)
    wrong = _send(api_client, "patch", f"/api/v1/orgs/{world.station_a1.pk}", {"phone": "call 110!"})
    assert wrong.status_code == 422 and wrong.json()["code"] == "phone_invalid"
    saved = _send(api_client, "patch", f"/api/v1/orgs/{world.branch_a.pk}",
                  {"phone": "021-65432100", "opening_hours": "周一至周五 8:30–17:00"})
    assert saved.status_code == 200 and saved.json()["phone"] == "021-65432100"
    client.force_login(world.volunteer)  # 政立路社区 has no phone yet: its branch's is shown
    home = client.get("/").content.decode()
    assert 'href="tel:021-65432100"' in home and "五角场街道" in home and "周一至周五 8:30–17:00" in home
    _send(api_client, "patch", f"/api/v1/orgs/{world.station_a1.pk}", {"phone": "13900001234"})
    assert 'href="tel:13900001234"' in client.get("/").content.decode()
    assert Node.objects.get(pk=world.station_a1.pk).phone == "13900001234"
