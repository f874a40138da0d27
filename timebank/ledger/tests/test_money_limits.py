"""Money limits hold under concurrency (security hole 5): the caps and what remains of a transfer
are read after the accounts involved are locked. Real threads against PostgreSQL."""
import pytest

from timebank.conftest import run_threads
from timebank.ledger import chain, services
from timebank.ledger.exceptions import BalanceCapExceeded, CorrectionInvalid
from timebank.ledger.models import AccountKind, CorrectionRequest, Transfer
from timebank.orgs.services import bank_rules_set


def test_ten_concurrent_credits_never_pass_the_balance_cap(postgres_only, world):
    bank_rules_set(actor=world.bank_admin, bank=world.bank, balance_cap_minutes=100, overflow_policy="reject")
    results = run_threads(10, lambda i: services.service_credit(volunteer=world.volunteer, minutes=60, points=0,
                                                                branch=world.branch_a)["minutes"])
    credited = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert credited == [60]
    assert len(refused) == 9 and all(isinstance(r, BalanceCapExceeded) for r in refused)
    assert services.member_account(world.volunteer).balance == 60
    assert chain.verify().ok


def test_concurrent_credits_above_the_cap_donate_exactly_the_excess(postgres_only, world):
    bank_rules_set(actor=world.bank_admin, bank=world.bank, balance_cap_minutes=100, overflow_policy="donate")
    results = run_threads(10, lambda i: services.service_credit(volunteer=world.volunteer, minutes=60, points=0,
                                                                branch=world.branch_a))
    assert all(isinstance(r, dict) for r in results)
    assert services.member_account(world.volunteer).balance == 100
    assert services.system_account(world.bank, AccountKind.POOL).balance == 600 - 100
    assert sum(r["minutes"] for r in results) == 100 and sum(r["overflow"] for r in results) == 500
    assert chain.verify().ok


def test_concurrent_credits_never_pass_the_daily_cap(postgres_only, world):
    bank_rules_set(actor=world.bank_admin, bank=world.bank, daily_earn_cap_minutes=120)
    results = run_threads(10, lambda i: services.service_credit(volunteer=world.volunteer, minutes=60, points=0,
                                                                branch=world.branch_a)["minutes"])
    assert sorted(results) == [0] * 8 + [60, 60]
    assert services.member_account(world.volunteer).balance == 120


def test_two_concurrent_corrections_of_one_grant_reverse_it_once(postgres_only, world):
    bank_rules_set(actor=world.bank_admin, bank=world.bank, correction_approval_minutes=1000)
    grant = services.grant_make(actor=world.branch_admin, elder=world.elder, amount=600, source="issuance",
                                reason="困难老人补助").transfer
    admins = [world.branch_admin, world.bank_admin]
    results = run_threads(2, lambda i: services.correction_request(actor=admins[i], original=grant, amount=None,
                                                                   reason="录错了"))
    done = [r for r in results if isinstance(r, CorrectionRequest)]
    refused = [r for r in results if isinstance(r, CorrectionInvalid)]
    assert len(done) == 1 and len(refused) == 1
    assert Transfer.objects.filter(corrects=grant).count() == 1
    assert services.member_account(world.elder).balance == 0
    assert chain.verify().ok


def test_two_concurrent_approvals_of_large_corrections_reverse_no_more_than_the_original(postgres_only, world):
    bank_rules_set(actor=world.bank_admin, bank=world.bank, correction_approval_minutes=100)
    grant = services.grant_make(actor=world.bank_admin, elder=world.elder, amount=600, source="issuance",
                                reason="困难老人补助")
    services.grant_decide(actor=world.branch_admin, request=grant, approve=True)
    grant.refresh_from_db()
    first = services.correction_request(actor=world.branch_admin, original=grant.transfer, amount=400, reason="一")
    with pytest.raises(CorrectionInvalid):  # 400 waits for approval; 400 more would be 800 of 600
        services.correction_request(actor=world.branch_admin, original=grant.transfer, amount=400, reason="二")
    second = services.correction_request(actor=world.branch_admin, original=grant.transfer, amount=200, reason="二")
    results = run_threads(2, lambda i: services.correction_decide(actor=world.bank_admin, request=[first, second][i],
                                                                  approve=True))
    assert all(isinstance(r, CorrectionRequest) for r in results)
    assert sum(Transfer.objects.filter(corrects=grant.transfer).values_list("amount", flat=True)) == 600
    assert services.member_account(world.elder).balance == 0


def test_a_correction_never_takes_more_than_remains_and_says_how_much_does(world):
    bank_rules_set(actor=world.bank_admin, bank=world.bank, correction_approval_minutes=100)
    grant = services.grant_make(actor=world.bank_admin, elder=world.elder, amount=50, source="issuance",
                                reason="补助").transfer
    first = services.correction_request(actor=world.branch_admin, original=grant, amount=40, reason="一")
    assert first.approved is True  # 40 ≤ 100: posted at once
    with pytest.raises(CorrectionInvalid) as refused:
        services.correction_request(actor=world.branch_admin, original=grant, amount=20, reason="二")
    assert refused.value.detail == {"remaining": 10}
    assert services.member_account(world.elder).balance == 10
