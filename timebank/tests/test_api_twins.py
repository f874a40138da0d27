"""The API twins of the last staff pages that had none: a bank's rules, the bank's health limits, the
measuring devices, the ledger's chain check and a volunteer's chosen branches. Each goes through the
service its page uses, so the page sees what the API did."""
import datetime as dt

import pytest

from timebank.conftest import make_person
from timebank.demands.models import DemandRules
from timebank.health.models import Device, Thresholds
from timebank.ledger import chain as ledger_chain
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, LedgerRules, TransferKind
from timebank.orgs import rules as rule_parts
from timebank.orgs.roles import Role
from timebank.orgs.schemas import BankRulesChange, BankRulesOut
from timebank.orgs.selectors import rules_for
from timebank.orgs.services import role_grant

pytestmark = pytest.mark.django_db


def patch(client, url, body):
    return client.patch(url, body, content_type="application/json")


def put(client, url, body):
    return client.put(url, body, content_type="application/json")


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


# ---- a bank's rules -------------------------------------------------------------------------------

def rule_rows() -> int:
    return sum(section.model.objects.count() for section in rule_parts.sections())


def test_the_rules_document_names_every_part_of_every_app_and_nothing_else():
    assert set(BankRulesOut.model_fields) - {"bank_id", "effective_from"} == set(rule_parts.all_fields())
    assert set(BankRulesChange.model_fields) == set(rule_parts.all_fields())
    owners = {section.key: section.model._meta.app_label for section in rule_parts.sections()}
    assert owners == {"membership": "orgs", "ledger": "ledger", "demands": "demands", "teams": "teams",
                      "training": "training", "honours": "honours"}


def test_a_change_writes_only_the_parts_it_touches(world, api_client):
    api_client.login_as(world.bank_admin)
    patch(api_client, f"/api/v1/orgs/{world.bank.pk}/rules", {"gift_max_minutes": 600, "checkin_radius_m": 300})
    assert {s.key: s.model.objects.count() for s in rule_parts.sections()} == {
        "membership": 0, "ledger": 1, "demands": 1, "teams": 0, "training": 0, "honours": 0}
    assert LedgerRules.in_force(world.bank).gift_max_minutes == 600
    assert DemandRules.in_force(world.bank).checkin_radius_m == 300
    again = patch(api_client, f"/api/v1/orgs/{world.bank.pk}/rules", {"gift_max_minutes": 600})
    assert again.status_code == 200 and LedgerRules.objects.count() == 1  # nothing changed: no new row

def test_a_bank_admin_reads_and_changes_some_rules_and_the_rest_stay(world, api_client):
    api_client.login_as(world.bank_admin)
    url = f"/api/v1/orgs/{world.bank.pk}/rules"
    before = api_client.get(url).json()
    assert before["bank_id"] == world.bank.pk and before["gift_recipients"] == "relatives"
    answer = patch(api_client, url, {"daily_earn_cap_minutes": 120, "honour_thresholds_hours": "50, 200"})
    assert answer.status_code == 200, answer.content
    after = answer.json()
    assert after["daily_earn_cap_minutes"] == 120 and after["honour_thresholds_hours"] == "50,200"
    assert {k: v for k, v in after.items() if k not in ("daily_earn_cap_minutes", "honour_thresholds_hours",
                                                        "effective_from")} == \
        {k: v for k, v in before.items() if k not in ("daily_earn_cap_minutes", "honour_thresholds_hours",
                                                      "effective_from")}
    assert rules_for(world.bank).daily_earn_cap_minutes == 120  # what the rules page shows


@pytest.mark.parametrize("body", [{"honour_thresholds_hours": "300,100"}, {"overflow_policy": "keep"},
                                  {"daily_earn_cap_minutes": -1}, {"daily_earn_cap": 60}])
def test_a_bad_rule_is_a_422_and_nothing_changes(world, api_client, body):
    api_client.login_as(world.bank_admin)
    rows = rule_rows()
    answer = patch(api_client, f"/api/v1/orgs/{world.bank.pk}/rules", body)
    assert answer.status_code == 422, answer.content
    assert rule_rows() == rows
    if "honour_thresholds_hours" in body:  # the owning model's check, named with its field
        assert answer.json()["detail"]["errors"] == {"honour_thresholds_hours": [answer.json()["message"]]}


def test_rules_are_the_bank_admins_and_only_of_a_bank(world, api_client):
    api_client.login_as(world.branch_admin)
    assert api_client.get(f"/api/v1/orgs/{world.bank.pk}/rules").status_code == 404
    api_client.login_as(world.bank_admin)
    assert api_client.get(f"/api/v1/orgs/{world.branch_a.pk}/rules").status_code == 404


# ---- the bank's health limits ---------------------------------------------------------------------

@pytest.fixture
def medical_lead(world):
    lead = make_person(world.station_a1, "王医生", mobile="13900000077")
    role_grant(actor=world.bank_admin, person=lead, role=Role.MEDICAL_STAFF, node=world.bank)
    return lead


def test_the_medical_lead_sets_the_banks_limits_and_elders_with_their_own_keep_them(world, api_client,
                                                                                     medical_lead):
    api_client.login_as(medical_lead)
    assert api_client.get("/api/v1/health/thresholds").json()["source"] == "default"
    own = put(api_client, f"/api/v1/people/{world.elder.pk}/thresholds", {"reason": "肾病", "bp_systolic_high": 150})
    assert own.status_code == 200, own.content
    answer = put(api_client, "/api/v1/health/thresholds", {"bp_systolic_high": 145})
    assert answer.status_code == 200, answer.content
    assert answer.json()["source"] == "bank" and answer.json()["bp_systolic_high"] == 145
    assert api_client.get(f"/api/v1/people/{world.elder.pk}/thresholds").json()["bp_systolic_high"] == 150


def test_inconsistent_bank_limits_are_refused(world, api_client, medical_lead):
    api_client.login_as(medical_lead)
    rows = Thresholds.objects.count()
    answer = put(api_client, "/api/v1/health/thresholds", {"bp_systolic_high": 200, "bp_systolic_urgent": 150})
    assert answer.status_code == 422 and Thresholds.objects.count() == rows


def test_bank_limits_are_not_a_branch_medics(world, api_client):
    medic = make_person(world.station_a1, "李护士", mobile="13900000078")
    role_grant(actor=world.bank_admin, person=medic, role=Role.MEDICAL_STAFF, node=world.branch_a)
    api_client.login_as(medic)
    assert api_client.get("/api/v1/health/thresholds").status_code == 404
    assert put(api_client, "/api/v1/health/thresholds", {"bp_systolic_high": 145}).status_code == 404


# ---- measuring devices ----------------------------------------------------------------------------

def test_a_device_is_registered_with_its_token_once_listed_and_revoked(world, api_client):
    api_client.login_as(world.bank_admin)
    answer = post(api_client, "/api/v1/health/devices", {"station_id": world.station_a1.pk, "serial": "YE-1"})
    assert answer.status_code == 201, answer.content
    device = answer.json()
    assert device["token"].startswith(device["token_prefix"]) and device["station_name"] == world.station_a1.name
    listed = api_client.get("/api/v1/health/devices?state=active").json()
    assert [d["serial"] for d in listed["items"]] == ["YE-1"] and "token" not in listed["items"][0]
    assert post(api_client, "/api/v1/health/devices", {"station_id": world.station_a1.pk,
                                                       "serial": "YE-1"}).status_code == 409
    revoked = post(api_client, f"/api/v1/health/devices/{device['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert api_client.get("/api/v1/health/devices?state=active").json()["count"] == 0


def test_devices_are_the_bank_admins(world, api_client):
    api_client.login_as(world.branch_admin)
    assert api_client.get("/api/v1/health/devices").status_code == 404
    assert post(api_client, "/api/v1/health/devices", {"station_id": world.station_a1.pk,
                                                       "serial": "YE-2"}).status_code == 404
    assert not Device.objects.exists()


# ---- the ledger's chain ---------------------------------------------------------------------------

def test_the_auditor_reads_the_chain_and_checks_it_with_an_anchor(world, api_client):
    ledger.transfer_post(debit=ledger.system_account(world.branch_a, AccountKind.ISSUANCE),
                         credit=ledger.member_account(world.volunteer), amount=60, kind=TransferKind.GRANT)
    ledger_chain.seal_all(now=dt.datetime(2100, 1, 1, tzinfo=dt.UTC))  # past the sealing margin
    api_client.login_as(world.auditor)
    chain = api_client.get("/api/v1/ledger/chain").json()
    assert chain["bank_id"] == world.bank.pk and chain["unsealed"] == 0 and chain["anchor"].startswith(
        f"{world.bank.pk}:")
    report = post(api_client, "/api/v1/ledger/chain/check", {"anchors": [chain["anchor"]]})
    assert report.status_code == 200, report.content
    assert report.json()["ok"] is True and report.json()["sealed"] >= 1 and report.json()["problems"] == []
    forged = chain["anchor"][:-4] + ("0000" if not chain["anchor"].endswith("0000") else "1111")
    report = post(api_client, "/api/v1/ledger/chain/check", {"anchors": [forged]}).json()
    assert report["ok"] is False and "rewritten" in report["problems"][0]
    bad = post(api_client, "/api/v1/ledger/chain/check", {"anchors": ["not an anchor"]})
    assert bad.status_code == 422 and bad.json()["code"] == "anchor_invalid"


def test_the_chain_is_not_for_branch_staff(world, api_client):
    api_client.login_as(world.branch_admin)
    assert api_client.get("/api/v1/ledger/chain").status_code == 404
    assert post(api_client, "/api/v1/ledger/chain/check").status_code == 404


# ---- a volunteer's branches -----------------------------------------------------------------------

def test_a_volunteer_chooses_further_branches_and_the_home_branch_stays(world, api_client):
    api_client.login_as(world.volunteer)
    areas = {a["id"]: a for a in api_client.get("/api/v1/me/areas").json()}
    assert areas[world.branch_a.pk]["home"] and areas[world.branch_a.pk]["chosen"]
    assert not areas[world.branch_b.pk]["chosen"]
    answer = put(api_client, "/api/v1/me/areas", {"branch_ids": [world.branch_b.pk, world.branch_a.pk]})
    assert answer.status_code == 200, answer.content
    assert {a["id"] for a in answer.json() if a["chosen"]} == {world.branch_a.pk, world.branch_b.pk}
    cleared = put(api_client, "/api/v1/me/areas", {"branch_ids": []}).json()
    assert {a["id"] for a in cleared if a["chosen"]} == {world.branch_a.pk}


def test_an_unknown_branch_is_a_404_and_the_choice_stays(world, api_client):
    api_client.login_as(world.volunteer)
    put(api_client, "/api/v1/me/areas", {"branch_ids": [world.branch_b.pk]})
    for wrong in ([world.station_a1.pk], [10**9], [world.bank.pk]):
        assert put(api_client, "/api/v1/me/areas", {"branch_ids": wrong}).status_code == 404
    assert {a["id"] for a in api_client.get("/api/v1/me/areas").json() if a["chosen"]} == {
        world.branch_a.pk, world.branch_b.pk}
