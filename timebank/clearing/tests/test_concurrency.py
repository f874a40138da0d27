"""Real threads on PostgreSQL: gifts between banks never overdraw, never post a key twice, and never
deadlock with gifts the other way or inside one bank."""
import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from timebank.clearing import services
from timebank.clearing.models import CrossBankTransfer
from timebank.conftest import make_person, run_threads
from timebank.ledger import chain
from timebank.ledger import services as ledger
from timebank.ledger.exceptions import InsufficientBalance
from timebank.ledger.models import Account, AccountKind
from timebank.orgs.models import NodeKind
from timebank.orgs.services import bank_rules_set, node_create


def test_forty_concurrent_cross_bank_gifts_from_one_account_never_overdraw(postgres_only, world, hongkou, fund):
    fund(world.volunteer, 1000)
    fund(hongkou.member, 1000)
    amount = 70

    def give(i):
        if i % 4 == 3:  # the other way round at the same time, and a gift inside 虹口 too
            return services.cross_bank_gift(actor=hongkou.member, sender=hongkou.member,
                                            recipient=world.proxy if i % 8 == 3 else world.elder, amount=10)
        return services.cross_bank_gift(actor=world.volunteer, sender=world.volunteer,
                                        recipient=hongkou.mother if i % 2 else hongkou.member, amount=amount)

    results = run_threads(40, give)
    failures = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(f, InsufficientBalance) for f in failures)
    out = CrossBankTransfer.objects.filter(sender=world.volunteer).count()
    assert out == 1000 // amount  # 30 tried; exactly as many as the balance allows went through
    assert ledger.member_account(world.volunteer).balance == 1000 - out * amount >= 0
    received = sum(r.amount for r in CrossBankTransfer.objects.filter(recipient=hongkou.member))
    assert ledger.member_account(hongkou.member).balance == 1000 - 10 * 10 + received
    pair = Account.objects.filter(kind=AccountKind.CLEARING)
    assert sum(a.balance for a in pair) == 0
    assert chain.verify().ok


def test_twenty_threads_with_one_key_give_once(postgres_only, world, hongkou, fund):
    fund(world.volunteer, 500)
    results = run_threads(20, lambda i: services.cross_bank_gift(
        actor=world.volunteer, sender=world.volunteer, recipient=hongkou.mother, amount=60, idempotency_key="k").pk)
    assert len(set(results)) == 1
    assert ledger.member_account(world.volunteer).balance == 440
    assert chain.verify().ok


def test_a_netting_run_during_a_storm_of_gifts_settles_exactly_what_it_saw(postgres_only, world, hongkou, fund,
                                                                           platform_admin):
    fund(world.volunteer, 2000)

    def work(i):
        if i == 10:
            return services.netting_run(actor=platform_admin, platform=world.platform,
                                        business_day=timezone.localdate() - dt.timedelta(days=1))
        return services.cross_bank_gift(actor=world.volunteer, sender=world.volunteer, recipient=hongkou.mother,
                                        amount=10)

    results = run_threads(21, work)
    assert not [r for r in results if isinstance(r, Exception)]
    run = next(r for r in results if type(r).__name__ == "NettingRun")
    settled = sum(p.balance for p in run.positions.filter(bank=world.bank))
    remaining = ledger.clearing_account(world.bank, hongkou.bank).balance
    assert settled + remaining == 200  # every gift either settled by the run or waiting for the next one
    assert settled == 10 * run.records
    assert chain.verify().ok


def test_a_netting_run_that_finds_a_new_pair_gives_its_locks_back_before_locking_the_whole_set(
        postgres_only, world, hongkou, fund, platform_admin, monkeypatch):
    fund(world.volunteer, 500)
    services.cross_bank_gift(actor=world.volunteer, sender=world.volunteer, recipient=hongkou.mother, amount=40)
    first_pair = list(Account.objects.filter(kind=AccountKind.CLEARING).values_list("pk", flat=True))
    jingan = node_create(actor=None, parent=world.platform, kind=NodeKind.BANK, name="静安区")
    station = node_create(actor=None, parent=node_create(actor=None, parent=jingan, kind=NodeKind.BRANCH,
                                                         name="静安寺街道"), kind=NodeKind.STATION, name="愚园路社区")
    bank_rules_set(actor=None, bank=jingan, gift_recipients="any")
    recipient = make_person(station, "孙静安", mobile="13800000201", birth=dt.date(1950, 1, 1))
    real_lock, passes, seen = ledger.clearing_lock, [], {}

    def lock_timeout():
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")

    def opening_gift(_):
        lock_timeout()
        return services.cross_bank_gift(actor=world.volunteer, sender=world.volunteer, recipient=recipient, amount=25)

    def probe(_):
        lock_timeout()
        with transaction.atomic():
            return list(Account.objects.select_for_update(nowait=True).filter(pk__in=first_pair)
                        .values_list("pk", flat=True))

    def lock(*, accounts):
        passes.append([a.pk for a in accounts])
        if len(passes) == 2:  # before the second pass: the first one's locks are free again
            seen["probe"] = run_threads(1, probe)[0]
        locked = real_lock(accounts=accounts)
        if len(passes) == 1:  # while the first pass holds its locks, a first gift to 静安 opens a new pair
            seen["gift"] = run_threads(1, opening_gift)[0]
        return locked

    monkeypatch.setattr(services.ledger, "clearing_lock", lock)
    run = services.netting_run(actor=platform_admin, platform=world.platform,
                               business_day=timezone.localdate() - dt.timedelta(days=1))
    assert not isinstance(seen["gift"], Exception), seen["gift"]
    assert not isinstance(seen["probe"], Exception), seen["probe"]  # before the fix: lock not available
    assert sorted(seen["probe"]) == sorted(first_pair)
    assert len(passes) == 2 and set(passes[0]) < set(passes[1])
    assert run.records == 2 and run.settled_minutes == 65
    assert not [a for a in Account.objects.filter(kind=AccountKind.CLEARING) if a.balance]
    assert chain.verify().ok


def test_concurrent_gifts_never_take_the_recipient_over_their_banks_cap(postgres_only, world, hongkou, fund):
    from timebank.ledger.exceptions import BalanceCapExceeded
    from timebank.orgs.services import bank_rules_set

    bank_rules_set(actor=hongkou.bank_admin, bank=hongkou.bank, gift_recipients="any", balance_cap_minutes=100)
    fund(world.volunteer, 1000)
    ledger.member_account(hongkou.mother)  # opened before the threads

    results = run_threads(12, lambda i: services.cross_bank_gift(actor=world.volunteer, sender=world.volunteer,
                                                                 recipient=hongkou.mother, amount=30))
    failures = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(f, BalanceCapExceeded) for f in failures), failures
    assert ledger.member_account(hongkou.mother).balance == 90  # three fit under 100; the fourth never does
    assert CrossBankTransfer.objects.count() == 3
    assert ledger.member_account(world.volunteer).balance == 910
    assert chain.verify().ok
