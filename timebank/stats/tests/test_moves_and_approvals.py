"""Figures that follow a person: a member who moves to another station takes their whole history
along (beyond the nightly window), and a volunteer counts as a new provider on the day approved."""
import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from timebank.audit.models import AuditEvent
from timebank.ledger.models import Currency
from timebank.ledger.selectors import accounts_of
from timebank.people import services as people
from timebank.stats import selectors
from timebank.stats import services as stats

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

    # Ten days later — far beyond the nightly three-day window — the new volunteer moves to a2.
    clock.at(clock.now + dt.timedelta(days=10))
    with django_capture_on_commit_callbacks(execute=True):
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
