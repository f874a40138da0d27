import pytest

from timebank.audit.models import AuditEvent
from timebank.conftest import make_person
from timebank.lib.errors import DomainError
from timebank.orgs.models import Node, NodeKind, RoleGrant
from timebank.orgs.roles import Role
from timebank.orgs.selectors import subtree
from timebank.orgs.services import node_close, node_create, node_update, role_grant, role_revoke


def refused(call) -> DomainError:
    nodes, grants, events = Node.objects.count(), RoleGrant.objects.count(), AuditEvent.objects.count()
    with pytest.raises(DomainError) as err:
        call()
    assert (Node.objects.count(), RoleGrant.objects.count(), AuditEvent.objects.count()) == (nodes, grants, events)
    return err.value


@pytest.fixture
def other_bank(world):
    bank = node_create(actor=None, parent=world.platform, kind=NodeKind.BANK, name="虹口区")
    branch = node_create(actor=None, parent=bank, kind=NodeKind.BRANCH, name="四川北路街道")
    bank.station = node_create(actor=None, parent=branch, kind=NodeKind.STATION, name="多伦路社区")
    bank.admin = make_person(bank.station, "虹口管理员", mobile="13900000041")
    role_grant(actor=None, person=bank.admin, role=Role.BANK_ADMIN, node=bank)
    return bank


def test_a_bank_admin_adds_a_branch_and_a_station_and_it_is_audited(world):
    branch = node_create(actor=world.bank_admin, parent=world.bank, kind=NodeKind.BRANCH, name="新江湾城街道")
    station = node_create(actor=world.bank_admin, parent=branch, kind=NodeKind.STATION, name="国浩路社区")
    assert station.bank == world.bank and station.path == f"{world.bank.path}{branch.pk}/{station.pk}/"
    assert AuditEvent.objects.filter(action="org.node_created", actor=world.bank_admin, object_id=str(station.pk)).exists()


@pytest.mark.parametrize("parent,kind", [
    ("bank", NodeKind.STATION), ("bank", NodeKind.BANK), ("branch_a", NodeKind.BRANCH),
    ("station_a1", NodeKind.STATION), ("platform", NodeKind.BRANCH),
])
def test_a_node_goes_only_under_the_kind_above_it(world, parent, kind):
    error = refused(lambda: node_create(actor=None, parent=getattr(world, parent), kind=kind, name="错误"))
    assert error.code == "wrong_parent_kind" and error.status == 422


def test_only_a_platform_may_stand_without_a_parent(world):
    assert refused(lambda: node_create(actor=None, parent=None, kind=NodeKind.BANK, name="孤儿区")).code == \
        "wrong_parent_kind"


def test_a_subtree_holds_every_descendant_at_any_depth_and_nothing_beside_it(world):
    assert set(subtree(world.bank)) == {world.bank, world.branch_a, world.branch_b, world.station_a1,
                                        world.station_a2, world.station_b1}
    assert set(subtree(world.branch_a)) == {world.branch_a, world.station_a1, world.station_a2}
    assert set(subtree(world.platform)) == set(Node.objects.all())
    assert set(subtree(world.station_b1)) == {world.station_b1}


def test_a_subtree_does_not_mistake_node_10_for_node_1s_child(world):
    # "/1/" must not match "/10/": paths end with a slash so a prefix is a whole id.
    nodes = [node_create(actor=None, parent=world.bank, kind=NodeKind.BRANCH, name=f"街道{i}") for i in range(12)]
    for node in nodes:
        assert set(subtree(node)) == {node}


def test_a_node_with_open_children_cannot_be_closed(world):
    assert refused(lambda: node_close(actor=world.bank_admin, node=world.branch_a)).code == "node_has_open_children"
    node_close(actor=world.bank_admin, node=world.station_a1)
    node_close(actor=world.bank_admin, node=world.station_a2)
    closed = node_close(actor=world.bank_admin, node=world.branch_a)
    assert closed.is_closed and closed.closed_at is not None
    assert Node.objects.filter(pk=world.branch_a.pk).exists(), "closed, never deleted"


def test_a_closed_node_gets_no_children_and_no_changes(world):
    node_close(actor=world.bank_admin, node=world.station_a2)
    assert refused(lambda: node_close(actor=world.bank_admin, node=world.station_a2)).code == "node_closed"
    assert refused(lambda: node_update(actor=world.bank_admin, node=world.station_a2, name="改名")).code == "node_closed"
    node_close(actor=world.bank_admin, node=world.station_b1)
    node_close(actor=world.bank_admin, node=world.branch_b)
    error = refused(lambda: node_create(actor=world.bank_admin, parent=world.branch_b, kind=NodeKind.STATION, name="新"))
    assert error.code == "node_closed"


def test_a_renamed_node_keeps_its_old_name_in_the_audit_trail(world):
    node_update(actor=world.bank_admin, node=world.station_a1, name="政立路第一社区")
    event = AuditEvent.objects.get(action="org.node_updated")
    assert event.changes == {"name": ["政立路社区", "政立路第一社区"]}


def test_a_branch_admin_cannot_reshape_the_tree(world):
    assert refused(lambda: node_create(actor=world.branch_admin, parent=world.branch_a, kind=NodeKind.STATION,
                                       name="新")).status == 404
    assert refused(lambda: node_update(actor=world.branch_admin, node=world.branch_a, name="新")).status == 404


def test_a_bank_admin_cannot_close_their_own_bank(world):
    error = refused(lambda: node_close(actor=world.bank_admin, node=world.bank))
    assert error.status == 403 and error.code == "permission_denied"


def test_a_bank_admin_cannot_touch_another_bank(world, other_bank):
    admin = other_bank.admin
    assert refused(lambda: node_create(actor=admin, parent=world.bank, kind=NodeKind.BRANCH, name="新")).status == 404
    assert refused(lambda: node_update(actor=admin, node=world.branch_a, name="新")).status == 404
    assert refused(lambda: node_close(actor=admin, node=world.station_a2)).status == 404
    assert refused(lambda: role_grant(actor=admin, person=admin, role=Role.BANK_ADMIN, node=world.bank)).status in (403,
                                                                                                                   404)
    world.branch_a.refresh_from_db()
    assert world.branch_a.name == "五角场街道"


def test_the_org_list_shows_only_the_callers_own_bank(world, other_bank, api_client):
    api_client.login_as(other_bank.admin)
    names = {n["name"] for n in api_client.get("/api/v1/orgs?limit=200").json()["items"]}
    assert names == {"虹口区", "四川北路街道", "多伦路社区"}
    api_client.login_as(world.other_branch_admin)
    names = {n["name"] for n in api_client.get("/api/v1/orgs?limit=200").json()["items"]}
    assert names == {"长白新村街道", "长白一村社区"}


def test_a_member_sees_their_own_banks_stations_to_choose_from(world, api_client):
    api_client.login_as(world.volunteer)
    names = {n["name"] for n in api_client.get("/api/v1/orgs?kind=station").json()["items"]}
    assert names == {"政立路社区", "国权路社区", "长白一村社区"}


def test_a_branch_admin_grants_station_staff_in_their_street_and_it_is_audited(world):
    grant = role_grant(actor=world.branch_admin, person=world.proxy, role=Role.STATION_STAFF, node=world.station_a2)
    event = AuditEvent.objects.get(action="role.granted", object_id=str(grant.pk))
    assert event.actor == world.branch_admin and event.changes == {"person": world.proxy.pk, "role": "station_staff"}
    assert refused(lambda: role_grant(actor=world.branch_admin, person=world.proxy, role=Role.STATION_STAFF,
                                      node=world.station_a2)).code == "grant_exists"


@pytest.mark.parametrize("role,node", [
    (Role.BANK_ADMIN, "bank"), (Role.BANK_ADMIN, "branch_a"), (Role.AUDITOR, "branch_a"),
    (Role.PLATFORM_ADMIN, "branch_a"), (Role.STATION_STAFF, "station_b1"), (Role.BRANCH_ADMIN, "bank"),
])
def test_a_branch_admin_cannot_grant_a_stronger_role_or_beyond_their_street(world, role, node):
    error = refused(lambda: role_grant(actor=world.branch_admin, person=world.proxy, role=role,
                                       node=getattr(world, node)))
    assert error.code == "role_not_grantable" and error.status == 403


def test_station_staff_cannot_grant_roles(world):
    error = refused(lambda: role_grant(actor=world.station_staff, person=world.proxy, role=Role.STATION_STAFF,
                                       node=world.station_a1))
    assert error.code == "role_not_grantable"


def test_a_revoked_role_no_longer_reaches_anyone(world, api_client):
    grant = role_grant(actor=world.branch_admin, person=world.proxy, role=Role.STATION_STAFF, node=world.station_a1)
    api_client.login_as(world.proxy)
    assert api_client.get(f"/api/v1/people/{world.elder.pk}").status_code == 200
    role_revoke(actor=world.branch_admin, grant=grant)
    assert api_client.get(f"/api/v1/people/{world.elder.pk}").status_code == 404
    assert AuditEvent.objects.filter(action="role.revoked", actor=world.branch_admin).exists()
    assert RoleGrant.objects.filter(pk=grant.pk, revoked_at__isnull=False).exists(), "revoked, never deleted"


def test_a_role_at_a_closed_node_reaches_nothing(world, api_client):
    node_close(actor=world.bank_admin, node=world.station_b1)
    api_client.login_as(world.other_station_staff)
    assert api_client.get(f"/api/v1/people/{world.other_elder.pk}").status_code == 404
