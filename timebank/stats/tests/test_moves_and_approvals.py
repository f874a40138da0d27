"""Figures that follow a person: a member who moves to another station takes their whole history
along (beyond the nightly window), and a volunteer counts as a new provider on the day approved."""
import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from timebank.audit.models import AuditEvent
from timebank.conftest import make_person
from timebank.ledger import services as ledger
from timebank.ledger.models import Currency
from timebank.ledger.selectors import accounts_of
from timebank.people import services as people
from timebank.people.models import Person
from timebank.stats import selectors
from timebank.stats import services as stats
from timebank.stats.models import NodeDayRollup

from .conftest import catch_up, register

pytestmark = pytest.mark.django_db


def _figures(w, node, period):
    coins = selectors.coins(actor=w.bank_admin, node=node, date_from=period.date_from, date_to=period.date_to)
    people_ = selectors.registered_people(actor=w.bank_admin, node=node, date_from=period.date_from,
                                          date_to=period.date_to)
    active = selectors.active_volunteers(actor=w.bank_admin, node=node, date_to=period.date_to)
    return {"outstanding": coins["outstanding"], "donated": coins["donated"], **people_, **active}


def test_a_member_who_moves_takes_their_whole_history_to_the_new_station(stats_world, clock,
                                                                        django_capture_on_commit_callbacks):
    w = stats_world
    a1, a2 = w.station_a1, w.station_a2
    old_a1, old_a2, old_bank = _figures(w, a1, w.period), _figures(w, a2, w.period), _figures(w, w.bank, w.period)
    volunteer_balance = accounts_of(w.new_volunteer)[Currency.TIME].balance
    assert volunteer_balance > 0 and old_a1["days_30"] >= 1

    # Ten days later — far beyond the nightly three-day window — the new volunteer gives 5 minutes
    # away (not yet rolled up when they move: the worker's next round finds it at a2) and moves to a2.
    clock.at(clock.now + dt.timedelta(days=10))
    with django_capture_on_commit_callbacks(execute=True):
        ledger.donation_make(actor=w.new_volunteer, donor=w.new_volunteer, amount=5)
        people.person_update(actor=w.branch_admin, person=w.new_volunteer, node=a2.pk)
    catch_up()

    report = stats.rollups_reconcile(bank=w.bank, days=None, fix=False)
    assert report.ok, report.differences[:5]
    assert not AuditEvent.objects.filter(action="stats.rollup_mismatch").exists()  # a move is not a bug

    new_a1, new_a2 = _figures(w, a1, w.period), _figures(w, a2, w.period)
    assert new_a1["outstanding"] == old_a1["outstanding"] - volunteer_balance
    assert new_a2["outstanding"] == old_a2["outstanding"] + volunteer_balance
    assert (new_a1["volunteers_total"], new_a2["volunteers_total"]) == (old_a1["volunteers_total"] - 1,
                                                                         old_a2["volunteers_total"] + 1)
    assert (new_a1["days_30"], new_a2["days_30"]) == (old_a1["days_30"] - 1, old_a2["days_30"] + 1)
    assert _figures(w, w.bank, w.period) == old_bank  # the district as a whole is unchanged
    # Today (after the donation) the volunteer's coins are all at a2.
    today = timezone.localdate(clock.now)
    coins_today = {s.pk: selectors.coins(actor=w.bank_admin, node=s, date_from=today, date_to=today)["outstanding"]
                   for s in (a1, a2)}
    assert coins_today == {a1.pk: old_a1["outstanding"] - volunteer_balance,
                           a2.pk: old_a2["outstanding"] + volunteer_balance - 5}


def test_a_move_does_not_hide_a_rollup_that_was_already_wrong(stats_world, clock,
                                                             django_capture_on_commit_callbacks):
    w = stats_world
    NodeDayRollup.objects.filter(node=w.station_a1, day=w.service_day).update(services=F("services") + 1)
    with django_capture_on_commit_callbacks(execute=True):
        people.person_update(actor=w.branch_admin, person=w.elder, node=w.station_a2.pk)
        people.person_update(actor=w.branch_admin, person=w.volunteer, node=w.station_a2.pk)
    catch_up()
    report = stats.rollups_reconcile(bank=w.bank, days=None, fix=False)
    assert [(d["node"], d["day"], list(d["columns"])) for d in report.differences] == [
        (w.station_a1.pk, w.service_day.isoformat(), ["services"])]


def test_the_migration_takes_the_approval_time_from_the_audit_trail(world):
    import importlib

    from django.apps import apps

    backfill = importlib.import_module("timebank.people.migrations.0002_volunteer_since").backfill
    approved_at = timezone.now() - dt.timedelta(days=40)
    audited = make_person(world.station_a1, "审核过", is_volunteer=True, volunteer_status="approved")
    AuditEvent.objects.create(action="volunteer.approved", object_type="people.person", object_id=str(audited.pk),
                              at=approved_at)
    automatic = make_person(world.station_a1, "自动过", is_volunteer=True, volunteer_status="approved")
    retired = make_person(world.station_a1, "不再做", is_volunteer=False, volunteer_status="approved")
    pending = make_person(world.station_a1, "待审核", is_volunteer=True, volunteer_status="pending")
    Person.objects.filter(pk__in=[audited.pk, automatic.pk, retired.pk]).update(volunteer_since=None)
    backfill(apps, None)
    since = dict(Person.objects.filter(pk__in=[audited.pk, automatic.pk, retired.pk, pending.pk])
                 .values_list("pk", "volunteer_since"))
    assert since == {audited.pk: approved_at, automatic.pk: automatic.created_at, retired.pk: retired.created_at,
                     pending.pk: None}


def test_a_volunteer_is_a_new_provider_on_the_day_approved_not_the_day_registered(
        demand_world, clock, django_capture_on_commit_callbacks):
    w = demand_world
    stats.rollups_reconcile(bank=w.bank, rebuild=True)
    registered_on = timezone.localdate(clock.now)
    before_registered = selectors.registered_people(actor=w.bank_admin, node=w.station_a1, date_from=registered_on,
                                                    date_to=registered_on)["volunteers_new"]
    with django_capture_on_commit_callbacks(execute=True):
        person = people.person_register(actor=w.station_staff, station=w.station_a1, name="待审志愿",
                                        id_number=_id(dt.date(1970, 1, 1)), is_volunteer=True, consent=True)
    assert person.volunteer_status == "pending" and person.volunteer_since is None
    clock.at(clock.now + dt.timedelta(days=5))
    approved_on = timezone.localdate(clock.now)
    with django_capture_on_commit_callbacks(execute=True):
        person = people.volunteer_decide(actor=w.branch_admin, person=person, approve=True)
    assert timezone.localdate(person.volunteer_since) == approved_on

    def new_on(day):
        return selectors.registered_people(actor=w.bank_admin, node=w.station_a1, date_from=day,
                                           date_to=day)["volunteers_new"]

    assert (new_on(registered_on), new_on(approved_on)) == (before_registered, 1)
    assert stats.rollups_reconcile(bank=w.bank, days=None, fix=False).ok
    # Retention counts them in the month they became a volunteer.
    months = {m["month"]: m["joined"] for m in selectors.retention_by_join_month(
        actor=w.bank_admin, node=w.station_a1, date_to=approved_on)}
    assert months[approved_on.strftime("%Y-%m")] >= 1


def test_a_volunteer_registered_without_approval_counts_on_the_day_of_registration(
        demand_world, clock, django_capture_on_commit_callbacks):
    from timebank.orgs.services import bank_rules_set

    w = demand_world
    bank_rules_set(actor=w.bank_admin, bank=w.bank, volunteer_approval_required=False)
    stats.rollups_reconcile(bank=w.bank, rebuild=True)
    day = timezone.localdate(clock.now)

    def new_today():
        return selectors.registered_people(actor=w.bank_admin, node=w.station_a1, date_from=day,
                                           date_to=day)["volunteers_new"]

    before = new_today()
    with django_capture_on_commit_callbacks(execute=True):
        person = register(w, w.station_a1, "直接志愿", volunteer=True, birth=dt.date(1971, 2, 2))
    assert person.volunteer_status == "approved" and person.volunteer_since == person.created_at
    assert new_today() == before + 1
    assert stats.rollups_reconcile(bank=w.bank, days=None, fix=False).ok


def test_a_rebuild_refreshes_the_planner_statistics_on_postgresql(postgres_only, demand_world, capsys):
    call_command("stats_reconcile", "--rebuild", "--bank", str(demand_world.bank.pk))
    out = capsys.readouterr().out
    assert "rebuilt" in out and "VACUUM ANALYZE of the rollup tables" in out


def _id(birth):
    from timebank.conftest import new_id_number

    return new_id_number(birth, "M")


def test_moves_racing_transfers_and_the_worker_leave_the_rollups_right(postgres_only, world):
    """Real threads on PostgreSQL: the elder spends coins, the worker rolls transfers up and staff move
    her back and forth between two stations, all at once; afterwards the rollups equal the raw rows."""
    from timebank.conftest import run_threads

    w = world
    ledger.grant_make(actor=w.branch_admin, elder=w.elder, amount=200, source="issuance", reason="困难补助")
    stats.rollups_reconcile(bank=w.bank, rebuild=True)
    far_future = timezone.now() + dt.timedelta(days=1)

    def work(i):
        for _step in range(8):
            elder = Person.objects.get(pk=w.elder.pk)
            if i == 0:
                ledger.donation_make(actor=elder, donor=elder, amount=1)
            elif i == 1:
                stats.transfers_roll_up(now=far_future)
            else:
                target = w.station_a2 if elder.node_id == w.station_a1.pk else w.station_a1
                people.person_update(actor=w.bank_admin, person=elder, node=target.pk)
        return i

    assert sorted(run_threads(3, work)) == [0, 1, 2]
    stats.transfers_roll_up(now=far_future)
    report = stats.rollups_reconcile(bank=w.bank, days=None, fix=False)
    assert report.ok, report.differences[:5]
    assert accounts_of(Person.objects.get(pk=w.elder.pk))[Currency.TIME].balance == 192
