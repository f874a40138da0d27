"""Grants and corrections through the API, the same four-eyes rules as the pages: up to the bank's
threshold they post at once; above it they wait for a second admin, never the one who asked."""
from timebank.ledger import services
from timebank.ledger.models import GrantRequest


def _post(client, path, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(path, body, content_type="application/json", headers=headers)


def test_a_small_grant_posts_at_once_and_a_large_one_waits_for_a_second_admin(world, api_client):
    api_client.login_as(world.branch_admin)
    small = _post(api_client, f"/api/v1/people/{world.elder.pk}/grants",
                  {"amount": 120, "source": "issuance", "reason": "困难老人补贴"}, key="g-1")
    assert small.status_code == 201 and small.json()["status"] == "posted" and small.json()["transfer_id"]
    again = _post(api_client, f"/api/v1/people/{world.elder.pk}/grants",
                  {"amount": 120, "source": "issuance", "reason": "困难老人补贴"}, key="g-1")
    assert again.json()["id"] == small.json()["id"] and GrantRequest.objects.count() == 1
    assert services.member_account(world.elder).balance == 120

    large = _post(api_client, f"/api/v1/people/{world.elder.pk}/grants",
                  {"amount": 6000, "source": "issuance", "reason": "年度补贴"})
    assert large.status_code == 201 and large.json()["status"] == "waiting" and large.json()["transfer_id"] is None
    own = _post(api_client, f"/api/v1/grants/{large.json()['id']}/decision", {"approve": True})
    assert own.status_code == 409 and own.json()["code"] == "approval_required"
    assert services.member_account(world.elder).balance == 120
    api_client.login_as(world.bank_admin)
    decided = _post(api_client, f"/api/v1/grants/{large.json()['id']}/decision", {"approve": True})
    assert decided.status_code == 200 and decided.json()["status"] == "posted"
    twice = _post(api_client, f"/api/v1/grants/{large.json()['id']}/decision", {"approve": False})
    assert twice.status_code == 409 and twice.json()["code"] == "already_decided"
    assert services.member_account(world.elder).balance == 6120


def test_a_correction_reverses_part_of_a_transfer_and_staff_elsewhere_get_404(world, api_client):
    api_client.login_as(world.branch_admin)
    grant = _post(api_client, f"/api/v1/people/{world.elder.pk}/grants",
                  {"amount": 300, "source": "issuance", "reason": "补贴"}).json()
    corrected = _post(api_client, f"/api/v1/transfers/{grant['transfer_id']}/corrections",
                      {"amount": 100, "reason": "多发了"}, key="c-1")
    assert corrected.status_code == 201 and corrected.json()["status"] == "posted"
    assert corrected.json()["original_id"] == grant["transfer_id"]
    assert services.member_account(world.elder).balance == 200
    too_much = _post(api_client, f"/api/v1/transfers/{grant['transfer_id']}/corrections",
                     {"amount": 201, "reason": "再冲"})
    assert too_much.status_code == 422 and too_much.json()["code"] == "correction_too_large"
    assert services.member_account(world.elder).balance == 200
    api_client.login_as(world.other_branch_admin)
    assert _post(api_client, f"/api/v1/transfers/{grant['transfer_id']}/corrections",
                 {"amount": 1, "reason": "x"}).status_code == 404
    assert _post(api_client, f"/api/v1/people/{world.elder.pk}/grants",
                 {"amount": 1, "source": "issuance", "reason": "x"}).status_code == 404
