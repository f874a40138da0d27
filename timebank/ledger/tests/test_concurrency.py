"""Real threads against PostgreSQL: coins are never spent twice and a key never posts twice."""

import pytest

from timebank.conftest import run_threads
from timebank.ledger import chain, services
from timebank.ledger.exceptions import InsufficientBalance
from timebank.ledger.models import AccountKind, Transfer, TransferKind
from timebank.orgs.services import bank_rules_set


def test_fifty_threads_gifting_from_one_account_succeed_exactly_floor_b_over_a_times(postgres_only, world):
    bank_rules_set(actor=world.bank_admin, bank=world.bank, gift_recipients="any")
    balance, amount = 1000, 45
    services.transfer_post(debit=services.system_account(world.branch_a, AccountKind.ISSUANCE),
                           credit=services.member_account(world.volunteer), amount=balance, kind=TransferKind.GRANT)
    results = run_threads(50, lambda i: services.gift_send(actor=world.volunteer, sender=world.volunteer,
                                                           recipient=world.proxy if i % 2 else world.elder, amount=amount))
    successes = [r for r in results if not isinstance(r, Exception)]
    failures = [r for r in results if isinstance(r, Exception)]
    assert len(successes) == balance // amount
    assert all(isinstance(f, InsufficientBalance) for f in failures)
    account = services.member_account(world.volunteer)
    assert account.balance == balance - amount * (balance // amount) >= 0
    assert chain.verify().ok


def test_twenty_concurrent_requests_with_one_key_post_once(postgres_only, world, api_client):
    bank_rules_set(actor=world.bank_admin, bank=world.bank, gift_recipients="any")
    services.transfer_post(debit=services.system_account(world.branch_a, AccountKind.ISSUANCE),
                           credit=services.member_account(world.volunteer), amount=600, kind=TransferKind.GRANT)
    api_client.login_as(world.volunteer)
    token = api_client.token
    payload = {"kind": "gift", "amount": 60, "to_person_id": world.proxy.pk}

    def send(i):
        from django.test import Client
        response = Client().post("/api/v1/transfers", payload, content_type="application/json",
                                 headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "same-key"})
        return response.status_code, response.json().get("id")

    results = run_threads(20, send)
    assert {status for status, _ in results} == {201}
    assert len({tid for _, tid in results}) == 1
    assert Transfer.objects.filter(kind=TransferKind.GIFT).count() == 1
    assert services.member_account(world.volunteer).balance == 540


def test_concurrent_posts_of_one_hold_post_once(postgres_only, world):
    services.transfer_post(debit=services.system_account(world.branch_a, AccountKind.ISSUANCE),
                           credit=services.member_account(world.elder), amount=120, kind=TransferKind.GRANT)
    hold = services.hold_create(debit=services.member_account(world.elder),
                                credit=services.system_account(world.station_a1, AccountKind.ESCROW),
                                amount=60, kind=TransferKind.REDEMPTION)
    volunteer = services.member_account(world.volunteer)
    results = run_threads(10, lambda i: services.hold_post(hold=hold, credit=volunteer).pk)
    assert len(set(results)) == 1
    assert services.member_account(world.volunteer).balance == 60
    assert chain.verify().ok


@pytest.mark.parametrize("n", [8])
def test_transfers_in_opposite_directions_do_not_deadlock(postgres_only, world, n):
    bank_rules_set(actor=world.bank_admin, bank=world.bank, gift_recipients="any")
    issuance = services.system_account(world.branch_a, AccountKind.ISSUANCE)
    for person in (world.volunteer, world.proxy):
        services.transfer_post(debit=issuance, credit=services.member_account(person), amount=1000,
                               kind=TransferKind.GRANT)

    def swap(i):
        a, b = (world.volunteer, world.proxy) if i % 2 else (world.proxy, world.volunteer)
        return [services.gift_send(actor=a, sender=a, recipient=b, amount=1).pk for _ in range(10)]

    results = run_threads(n, swap)
    assert all(isinstance(r, list) for r in results)
    assert services.member_account(world.volunteer).balance + services.member_account(world.proxy).balance == 2000
