"""`manage.py generate_city`: a small synthetic city loads into the real tables, the ledger it
writes passes verify_ledger, the counts are what was asked, and the same seed gives the same city."""
import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Q

from timebank.demands.models import Assignment, Demand
from timebank.ledger import chain
from timebank.ledger.models import Account, Transfer
from timebank.lib import field_crypto, resident_id
from timebank.orgs.models import Node, NodeKind, RoleGrant
from timebank.orgs.roles import Role
from timebank.people.models import Person
from timebank.teams.models import Team

SMALL = {"members": 300, "demands": 200, "transfers": 2000}


def generate(code: str, seed: int = 1, **sizes) -> Node:
    call_command("generate_city", **{**SMALL, **sizes}, seed=seed, bank_code=code, stdout=io.StringIO())
    return Node.objects.get(kind=NodeKind.BANK, code=code)


def members(bank):
    return Person.objects.filter(Q(is_elder=True) | Q(is_volunteer=True), bank=bank)


def fingerprint(bank) -> dict:
    """Everything but the database ids, ciphertexts (Fernet has a random IV) and mobiles (the prefix
    depends on the bank code)."""
    people = list(members(bank).order_by("id").values_list("name", "gender", "birth_date", "id_number_hash",
                                                            "is_elder", "volunteer_status", "node__name"))
    transfers = list(Transfer.objects.filter(bank=bank).order_by("id").values_list("kind", "amount", "currency",
                                                                                    "status", "created_at"))
    demands = list(Demand.objects.filter(bank=bank).order_by("id").values_list(
        "status", "headcount", "claimed_count", "payer", "starts_at", "service_type__code", "station__name"))
    balances = list(Account.objects.filter(bank=bank, owner__isnull=False).order_by("owner_id", "currency")
                    .values_list("currency", "posted_credits", "posted_debits"))
    return {"people": people, "transfers": transfers, "demands": demands, "balances": balances}


@pytest.mark.django_db
def test_it_loads_a_city_whose_ledger_verifies():
    bank = generate("t-city")
    assert Node.objects.filter(bank=bank, kind=NodeKind.BRANCH).count() == 15
    assert Node.objects.filter(bank=bank, kind=NodeKind.STATION).count() == 150
    assert members(bank).count() == 300
    assert members(bank).filter(is_elder=True).count() > members(bank).filter(is_volunteer=True).count() > 0
    assert Demand.objects.filter(bank=bank).count() == 200
    assert Transfer.objects.filter(bank=bank).count() == 2000
    assert Team.objects.filter(bank=bank).count() == 16
    served = Assignment.objects.filter(demand__bank=bank, status="credited")
    assert served.count() > 150
    # Every credited service was paid once, under the key the demands app uses.
    keys = set(Transfer.objects.filter(bank=bank, idempotency_key__endswith=":time")
               .values_list("idempotency_key", flat=True))
    assert keys == {f"assignment:{pk}:time" for pk in served.values_list("pk", flat=True)}
    report = chain.verify(bank.pk)
    assert report.ok, report.problems
    assert report.unsealed == 0 and report.sealed == Transfer.objects.filter(bank=bank, status="posted").count()
    call_command("verify_ledger", stdout=io.StringIO())  # exits non-zero on any mismatch
    # The bulk-written people are what the people app expects: the ID decrypts, checks and is found by hash.
    person = members(bank).order_by("id").first()
    number = field_crypto.decrypt(person.id_number_encrypted)
    assert resident_id.parse(number).birth_date == person.birth_date
    assert person.id_number_hash == field_crypto.lookup_hash(number) and person.id_tail == number[-4:]
    assert RoleGrant.objects.filter(node=bank, role=Role.BANK_ADMIN).count() == 1


@pytest.mark.django_db
def test_it_gives_the_same_city_for_the_same_seed():
    first, again, other = generate("t-a", seed=7), generate("t-b", seed=7), generate("t-c", seed=8)
    assert fingerprint(first) == fingerprint(again)
    assert fingerprint(first)["transfers"] != fingerprint(other)["transfers"]
    assert chain.verify().ok


@pytest.mark.django_db
def test_it_refuses_a_bank_code_in_use_and_too_small_a_transfer_budget():
    generate("t-once")
    with pytest.raises(CommandError, match="exists already"):
        generate("t-once")
    with pytest.raises(CommandError, match="too few"):
        generate("t-tight", transfers=300)
    assert not Node.objects.filter(code="t-tight").exists()


@pytest.mark.django_db
def test_its_statistics_rollups_agree_with_its_rows():
    from timebank.stats.services import rollups_reconcile

    bank = generate("t-stats")
    report = rollups_reconcile(bank=bank, fix=False)
    assert report.ok, report.differences[:5]
