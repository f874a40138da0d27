"""The rollups equal a recomputation from the raw rows after any sequence of operations, and the
reconciliation catches (and fixes) a rollup row that disagrees."""
import datetime as dt
import random

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from timebank.audit.models import AuditEvent
from timebank.demands import services as demands
from timebank.demands.models import Assignment, AssignmentStatus, Demand
from timebank.ledger import services as ledger
from timebank.ledger.selectors import liability_report
from timebank.lib.errors import DomainError
from timebank.people import services as people
from timebank.stats import selectors
from timebank.stats import services as stats
from timebank.stats.models import NodeDayRollup

from .conftest import catch_up, register

pytestmark = pytest.mark.django_db


def _random_operations(w, clock, rng: random.Random, steps: int) -> None:
    stations = [w.station_a1, w.station_a2, w.station_b1]
    volunteers = [w.volunteer, w.volunteer2, w.other_volunteer]
    base = clock.now
    for step in range(steps):
        op = rng.choice(["register", "demand", "demand", "claim", "claim", "serve", "serve", "confirm", "confirm",
                         "expire", "no_show", "donate", "cancel", "move"])
        clock.at(base + dt.timedelta(minutes=step))
        try:
            if op == "register":
                volunteer = rng.random() < 0.5
                person = register(w, rng.choice(stations), f"随机{step}", elder=not volunteer, volunteer=volunteer,
                                  birth=dt.date(1962 if volunteer else 1948, 1, 1 + step % 27))
                if volunteer:
                    volunteers.append(person)
            elif op == "move":  # a member changes home station: their history goes along
                people.person_update(actor=w.bank_admin, person=rng.choice(volunteers + [w.elder]),
                                     node=rng.choice(stations).pk)
            elif op == "demand":
                station = rng.choice(stations)
                actor = w.other_branch_admin if station == w.station_b1 else w.branch_admin
                starts = timezone.localtime(base).replace(hour=9, minute=0, second=0) + dt.timedelta(
                    days=rng.randint(1, 3), hours=rng.randint(0, 8))
                demand = demands.demand_create(actor=actor, station=station, service_type=rng.choice([w.chat, w.lecture]),
                                               starts_at=starts, ends_at=starts + dt.timedelta(minutes=60),
                                               headcount=rng.randint(1, 2), elder=None, for_community=True,
                                               address="某路")
                demands.demand_publish(actor=actor, demand=demand)
            elif op == "claim":
                demand = rng.choice(list(Demand.objects.filter(status="published")) or [None])
                if demand:
                    demands.demand_claim_for_member(actor=w.bank_admin, demand=demand, volunteer=rng.choice(volunteers))
            elif op == "serve":
                assignment = rng.choice(list(Assignment.objects.filter(status=AssignmentStatus.CLAIMED)) or [None])
                if assignment:
                    clock.at(assignment.starts_at)
                    assignment = demands.assignment_check_in(actor=w.bank_admin, assignment=assignment, method="staff")
                    clock.advance(minutes=rng.randint(20, 80))
                    demands.assignment_check_out(actor=w.bank_admin, assignment=assignment)
            elif op == "confirm":
                assignment = rng.choice(list(Assignment.objects.filter(status=AssignmentStatus.DONE)) or [None])
                if assignment:
                    demands.assignment_confirm(actor=w.bank_admin, assignment=assignment, rating=rng.randint(1, 5))
            elif op == "expire":
                demands.demands_expire(now=base + dt.timedelta(days=rng.randint(1, 4)))
            elif op == "no_show":
                demands.assignments_mark_no_show(now=base + dt.timedelta(days=rng.randint(1, 4)))
            elif op == "donate":
                donor = rng.choice(volunteers)
                if ledger.member_account(donor).available >= 10:
                    ledger.donation_make(actor=donor, donor=donor, amount=10)
            elif op == "cancel":
                demand = rng.choice(list(Demand.objects.filter(status__in=["published", "claimed"])) or [None])
                if demand:
                    demands.demand_cancel(actor=w.bank_admin, demand=demand, reason="测试")
        except DomainError:
            pass  # a refused request changes nothing, in the rows or the rollups
        finally:
            clock.at(base + dt.timedelta(minutes=step))


def _serve_what_is_claimed(w, clock) -> None:
    """Whatever the random run left open is taken, served and confirmed, so every kind of row exists
    whatever the time of day the test runs at."""
    nearby = {w.branch_a.pk: w.volunteer, w.branch_b.pk: w.other_volunteer}
    for demand in Demand.objects.filter(status="published").order_by("id"):
        try:
            demands.demand_claim_for_member(actor=w.bank_admin, demand=demand, volunteer=nearby[demand.branch_id])
        except DomainError:
            pass
    for assignment in Assignment.objects.filter(status=AssignmentStatus.CLAIMED).order_by("id"):
        try:
            clock.at(assignment.starts_at)
            assignment = demands.assignment_check_in(actor=w.bank_admin, assignment=assignment, method="staff")
            clock.advance(minutes=45)
            assignment = demands.assignment_check_out(actor=w.bank_admin, assignment=assignment)
            demands.assignment_confirm(actor=w.bank_admin, assignment=assignment, rating=4)
        except DomainError:
            pass


@pytest.mark.parametrize("seed", [7, 2026])
def test_rollups_equal_the_raw_rows_after_random_operations(demand_world, clock, django_capture_on_commit_callbacks,
                                                            seed):
    w = demand_world
    stats.rollups_reconcile(bank=w.bank, rebuild=True)
    with django_capture_on_commit_callbacks(execute=True):
        _random_operations(w, clock, random.Random(seed), steps=60)
        _serve_what_is_claimed(w, clock)
    catch_up()
    assert Assignment.objects.filter(status__in=["confirmed", "credited"]).exists()
    report = stats.rollups_reconcile(bank=w.bank, fix=False)
    assert report.ok, report.differences[:5]
    today = timezone.localdate()
    coins = selectors.coins(actor=w.bank_admin, node=w.bank, date_from=today, date_to=today + dt.timedelta(days=9))
    assert coins["outstanding"] == liability_report(w.bank_admin, w.bank)["outstanding"]


def test_reconcile_catches_and_fixes_a_corrupted_rollup_row(stats_world, capsys):
    w = stats_world
    row = NodeDayRollup.objects.get(node=w.station_a1, day=w.service_day)
    NodeDayRollup.objects.filter(pk=row.pk).update(services=F("services") + 1, coins_issued=F("coins_issued") + 7)
    with pytest.raises(SystemExit) as stopped:
        call_command("stats_reconcile", "--check", "--bank", str(w.bank.pk))
    assert stopped.value.code == 1
    assert "services" in capsys.readouterr().out
    report = stats.rollups_reconcile(bank=w.bank)
    assert [(d["node"], d["day"], sorted(d["columns"])) for d in report.differences] == [
        (w.station_a1.pk, w.service_day.isoformat(), ["coins_issued", "services"])]
    assert AuditEvent.objects.filter(action="stats.rollup_mismatch").count() == 2
    assert stats.rollups_reconcile(bank=w.bank, fix=False).ok
    call_command("stats_reconcile", "--check")  # clean again: exits normally


def test_new_transfers_wait_for_the_margin_then_roll_up_once(stats_world):
    w = stats_world
    before = selectors.coins(actor=w.bank_admin, node=w.bank, date_from=w.period.date_from, date_to=w.period.date_to)
    ledger.donation_make(actor=w.volunteer, donor=w.volunteer, amount=5)
    stats.transfers_roll_up(now=timezone.now())  # younger than the margin: left for the next round
    same = selectors.coins(actor=w.bank_admin, node=w.bank, date_from=w.period.date_from, date_to=w.period.date_to)
    assert same == before
    catch_up()
    catch_up()  # a second round adds nothing twice
    after = selectors.coins(actor=w.bank_admin, node=w.bank, date_from=w.period.date_from, date_to=w.period.date_to)
    assert after["donated"] == before["donated"] + 5 and after["outstanding"] == before["outstanding"] - 5
