"""The org tree, role grants and bank rules pages."""
from timebank.audit.models import AuditEvent
from timebank.demands.models import DemandRules
from timebank.ledger.models import LedgerRules
from timebank.orgs import rules as rule_parts
from timebank.orgs.models import BankRules, Node, RoleGrant
from timebank.orgs.selectors import rules_for


def test_the_tree_shows_only_the_staff_members_reach(world, client):
    client.force_login(world.branch_admin)
    page = client.get("/orgs/").content.decode()
    assert "五角场街道" in page and "政立路社区" in page
    assert "长白新村街道" not in page


def test_a_bank_admin_creates_renames_and_closes_a_station(world, client):
    client.force_login(world.bank_admin)
    response = client.post(f"/orgs/{world.branch_a.pk}/add/", {"name": "新江湾社区", "name_en": "Xinjiangwan"}, follow=True)
    assert "新江湾社区" in response.content.decode()
    station = Node.objects.get(name="新江湾社区")
    assert station.kind == "station" and station.parent == world.branch_a

    client.post(f"/orgs/{station.pk}/rename/", {"name": "新江湾城社区", "name_en": "Xinjiangwan City", "address": ""})
    station.refresh_from_db()
    assert station.name == "新江湾城社区"

    response = client.post(f"/orgs/{station.pk}/close/", follow=True)
    station.refresh_from_db()
    assert station.is_closed
    assert "已关闭" in response.content.decode()
    assert "新江湾城社区" not in client.get("/orgs/").content.decode()
    assert "新江湾城社区" in client.get("/orgs/?closed=1").content.decode()
    assert AuditEvent.objects.filter(action="org.node_closed", object_id=str(station.pk)).exists()


def test_a_branch_with_open_stations_cannot_be_closed(world, client):
    client.force_login(world.bank_admin)
    response = client.post(f"/orgs/{world.branch_b.pk}/close/", follow=True)
    assert "请先关闭其下属单位" in response.content.decode()
    world.branch_b.refresh_from_db()
    assert not world.branch_b.is_closed


def test_a_blank_name_is_shown_on_the_form(world, client):
    client.force_login(world.bank_admin)
    response = client.post(f"/orgs/{world.branch_a.pk}/add/", {"name": "  "})
    assert response.status_code == 422
    assert world.branch_a.children.count() == 2


def test_branch_admins_cannot_manage_the_tree(world, client):
    client.force_login(world.branch_admin)
    assert client.get(f"/orgs/{world.station_a1.pk}/").status_code == 404
    assert client.post(f"/orgs/{world.branch_a.pk}/add/", {"name": "X"}).status_code == 404


def test_a_branch_admin_grants_and_revokes_station_staff_in_their_branch(world, client):
    client.force_login(world.branch_admin)
    response = client.post("/orgs/grants/", {"mobile": world.volunteer.mobile, "role": "station_staff",
                                             "node": world.station_a2.pk}, follow=True)
    assert "李志愿" in response.content.decode()
    grant = RoleGrant.objects.get(person=world.volunteer, revoked_at__isnull=True)
    assert grant.node == world.station_a2 and grant.granted_by == world.branch_admin

    client.post(f"/orgs/grants/{grant.pk}/revoke/")
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert AuditEvent.objects.filter(action="role.revoked", object_id=str(grant.pk)).exists()


def test_a_branch_admin_cannot_grant_bank_admin_or_reach_another_branch(world, client):
    client.force_login(world.branch_admin)
    page = client.get("/orgs/grants/").content.decode()
    assert "长白新村街道" not in page and 'value="bank_admin"' not in page
    response = client.post("/orgs/grants/", {"mobile": world.volunteer.mobile, "role": "station_staff",
                                             "node": world.station_b1.pk})
    assert response.status_code == 422
    other_grant = RoleGrant.objects.get(person=world.other_station_staff)
    assert client.post(f"/orgs/grants/{other_grant.pk}/revoke/").status_code == 404
    assert not RoleGrant.objects.filter(person=world.volunteer).exists()


def test_a_bank_admin_changes_the_rules(world, client):
    client.force_login(world.bank_admin)
    form = {name: getattr(rules_for(world.bank), name) for name in rule_parts.all_fields()}
    form.update(volunteer_approval_required="", volunteer_min_age=16, elder_min_age=65, daily_earn_cap_minutes=120)
    client.post("/orgs/rules/", form)
    rules = rules_for(world.bank)
    assert rules.elder_min_age == 65 and rules.volunteer_approval_required is False
    assert rules.daily_earn_cap_minutes == 120
    # One new row in each part that changed (membership, coins), none in the parts left as they were.
    assert BankRules.objects.filter(bank=world.bank).count() == 1
    assert LedgerRules.objects.filter(bank=world.bank).count() == 1
    assert not DemandRules.objects.filter(bank=world.bank).exists()
    client.force_login(world.branch_admin)
    assert client.get("/orgs/rules/").status_code == 404


def test_a_bank_admin_sets_the_demand_rules(world, client):
    client.force_login(world.bank_admin)
    client.post("/orgs/rules/", {"volunteer_min_age": 18, "elder_min_age": 60, "checkin_radius_m": 300,
                                 "auto_confirm_days": 5, "demand_review_required": "on"})
    rules = rules_for(world.bank)
    assert (rules.checkin_radius_m, rules.auto_confirm_days, rules.demand_review_required) == (300, 5, True)
    assert rules.no_show_grace_minutes == 30  # left out: unchanged


def test_star_levels_are_checked_by_their_owner_and_the_error_stands_next_to_the_field(world, client):
    client.force_login(world.bank_admin)
    form = {name: getattr(rules_for(world.bank), name) for name in rule_parts.all_fields()}
    before = rules_for(world.bank).honour_thresholds_hours
    refused = client.post("/orgs/rules/", {**form, "honour_thresholds_hours": "300,100"})
    assert refused.status_code == 422
    assert refused.context["form"].errors["honour_thresholds_hours"] == [
        "请输入从小到大的整小时数，用逗号分隔。"]
    assert rules_for(world.bank).honour_thresholds_hours == before
    client.post("/orgs/rules/", {**form, "honour_thresholds_hours": "50, 200"})
    assert rules_for(world.bank).honour_thresholds_hours == "50,200"  # HonourRules.clean writes it plainly
