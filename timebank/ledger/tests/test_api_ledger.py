import pytest

from timebank.ledger import services
from timebank.ledger.models import AccountKind, Transfer, TransferKind
from timebank.orgs.services import bank_rules_set


@pytest.fixture
def funded(world):
    bank_rules_set(actor=world.bank_admin, bank=world.bank, gift_recipients="any")
    services.transfer_post(debit=services.system_account(world.branch_a, AccountKind.ISSUANCE),
                           credit=services.member_account(world.volunteer), amount=300, kind=TransferKind.GRANT)
    return world


def gift(client, key, **payload):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/api/v1/transfers", payload, content_type="application/json", headers=headers)


def test_a_volunteer_sees_balance_available_and_pending(funded, api_client):
    api_client.login_as(funded.volunteer)
    mine = api_client.get("/api/v1/accounts/me").json()
    assert mine["time"]["balance"] == 300 and mine["time"]["available"] == 300 and mine["points"]["balance"] == 0


def test_a_gift_posts_once_per_key_and_a_changed_payload_is_refused(funded, api_client):
    api_client.login_as(funded.volunteer)
    first = gift(api_client, "abc", kind="gift", amount=60, to_person_id=funded.proxy.pk)
    again = gift(api_client, "abc", kind="gift", amount=60, to_person_id=funded.proxy.pk)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    changed = gift(api_client, "abc", kind="gift", amount=61, to_person_id=funded.proxy.pk)
    assert changed.status_code == 422 and changed.json()["code"] == "idempotency_key_reused"
    assert Transfer.objects.filter(kind=TransferKind.GIFT).count() == 1


@pytest.mark.parametrize("amount,code", [(0, "amount_invalid"), (-60, "amount_invalid"), (1.5, "validation_error"),
                                         ("60", "validation_error"), (301, "insufficient_balance")])
def test_bad_amounts_post_nothing(funded, api_client, amount, code):
    api_client.login_as(funded.volunteer)
    response = gift(api_client, "k", kind="gift", amount=amount, to_person_id=funded.proxy.pk)
    assert 400 <= response.status_code < 500
    assert response.json()["code"] == code
    assert not Transfer.objects.filter(kind=TransferKind.GIFT).exists()


def test_gifts_to_self_unknown_or_other_bank_people_are_refused(funded, api_client):
    from timebank.conftest import make_person
    from timebank.orgs.models import NodeKind
    from timebank.orgs.services import node_create
    other_bank = node_create(actor=None, parent=funded.platform, kind=NodeKind.BANK, name="虹口区")
    other_branch = node_create(actor=None, parent=other_bank, kind=NodeKind.BRANCH, name="四川北路街道")
    other_station = node_create(actor=None, parent=other_branch, kind=NodeKind.STATION, name="多伦社区")
    outsider = make_person(other_station, "外区人", mobile="13700000001")
    api_client.login_as(funded.volunteer)
    cases = [(funded.volunteer.pk, "gift_to_self"), (999999, "account_unknown"), (outsider.pk, "account_unknown")]
    for i, (to, code) in enumerate(cases):
        response = gift(api_client, f"x{i}", kind="gift", amount=10, to_person_id=to)
        assert 400 <= response.status_code < 500 and response.json()["code"] == code, (to, response.json())
    assert not Transfer.objects.filter(kind=TransferKind.GIFT).exists()


def test_a_gift_needs_an_idempotency_key(funded, api_client):
    api_client.login_as(funded.volunteer)
    response = gift(api_client, None, kind="gift", amount=60, to_person_id=funded.proxy.pk)
    assert response.status_code == 422


def test_another_branchs_staff_get_404_for_accounts_and_transfers(funded, api_client):
    account = services.member_account(funded.volunteer)
    transfer = Transfer.objects.get(kind=TransferKind.GRANT)
    api_client.login_as(funded.other_branch_admin)
    assert api_client.get(f"/api/v1/accounts/{account.pk}").status_code == 404
    assert api_client.get(f"/api/v1/accounts/{account.pk}/transfers").status_code == 404
    assert api_client.get(f"/api/v1/transfers/{transfer.pk}").status_code == 404
    api_client.login_as(funded.branch_admin)
    assert api_client.get(f"/api/v1/accounts/{account.pk}").json()["balance"] == 300


def test_transfers_are_listed_newest_first_with_a_cursor(funded, api_client):
    api_client.login_as(funded.volunteer)
    for i in range(5):
        gift(api_client, f"k{i}", kind="donation", amount=10)
    account = services.member_account(funded.volunteer)
    page = api_client.get(f"/api/v1/accounts/{account.pk}/transfers?limit=4").json()
    assert len(page["items"]) == 4 and page["count"] == 6 and f"cursor={page['next_cursor']}" in page["next"]
    rest = api_client.get(page["next"]).json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None and rest["next"] is None
    ids = [t["id"] for t in page["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True)


def test_a_proxy_can_donate_for_the_elder_they_help(funded, api_client):
    from timebank.people.services import proxy_confirm, proxy_link
    services.transfer_post(debit=services.system_account(funded.branch_a, AccountKind.ISSUANCE),
                           credit=services.member_account(funded.elder), amount=120, kind=TransferKind.GRANT)
    link = proxy_link(actor=funded.station_staff, elder=funded.elder, proxy=funded.proxy, relation="child")
    proxy_confirm(actor=funded.branch_admin, link=link)
    api_client.login_as(funded.proxy)
    response = gift(api_client, "d1", kind="donation", amount=60, from_person_id=funded.elder.pk)
    assert response.status_code == 201
    assert services.member_account(funded.elder).balance == 60
    stranger = gift(api_client, "d2", kind="donation", amount=60, from_person_id=funded.volunteer.pk)
    assert stranger.status_code == 404
