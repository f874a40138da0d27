from timebank.audit.models import AuditEvent


def test_it_signs_in_with_mobile_and_password_and_shows_me(world, api_client):
    api_client.login_as(world.station_staff)
    me = api_client.get("/api/v1/me").json()
    assert me["name"] == "政立路站员"
    assert [r["role"] for r in me["roles"]] == ["station_staff"]


def test_it_lists_only_people_within_the_staff_members_branch(world, api_client):
    api_client.login_as(world.branch_admin)
    names = {p["name"] for p in api_client.get("/api/v1/people?limit=200").json()["items"]}
    assert "张晓明" in names
    assert "王长白" not in names


def test_another_branchs_person_is_a_404(world, api_client):
    api_client.login_as(world.other_branch_admin)
    response = api_client.get(f"/api/v1/people/{world.elder.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_it_masks_numbers_and_audits_every_full_view(world, api_client):
    api_client.login_as(world.branch_admin)
    person = api_client.get(f"/api/v1/people/{world.elder.pk}").json()
    assert person["id_number_masked"] == world.elder.plain_id_number[:6] + "********" + world.elder.plain_id_number[-4:]
    full = api_client.get(f"/api/v1/people/{world.elder.pk}/identity").json()
    assert full["id_number"] == world.elder.plain_id_number
    event = AuditEvent.objects.get(action="person.viewed_full")
    assert event.actor == world.branch_admin and event.object_id == str(world.elder.pk)


def test_station_staff_may_not_see_full_numbers(world, api_client):
    api_client.login_as(world.station_staff)
    response = api_client.get(f"/api/v1/people/{world.elder.pk}/identity")
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="person.viewed_full").exists()
