"""The worker's jobs: expiry, no-shows, auto-confirmation, reminders and notices; each run twice
changes nothing more."""
import datetime as dt

import pytest
from django.test import override_settings

from timebank.demands import services
from timebank.demands.models import AssignmentStatus, DemandStatus
from timebank.ledger import services as ledger
from timebank.lib.sms import LoggingSmsBackend
from timebank.notices.models import Notice, NoticeKind
from timebank.notices.services import notices_mark_read

from .conftest import grant_coins, new_demand, serve, tomorrow_at

pytestmark = pytest.mark.django_db


def test_unclaimed_demands_expire_once_and_release_the_elders_hold(demand_world, clock):
    w = demand_world
    grant_coins(w, w.elder, 60)
    lonely = new_demand(w, payer="elder")
    partly = new_demand(w, headcount=2, starts_at=tomorrow_at(9, 30))
    services.demand_claim(actor=w.volunteer, demand=partly)
    clock.at(tomorrow_at(10))
    assert services.demands_expire() == 1
    assert services.demands_expire() == 0
    lonely.refresh_from_db()
    partly.refresh_from_db()
    assert lonely.status == DemandStatus.EXPIRED
    assert partly.status == DemandStatus.PUBLISHED  # partly claimed: goes ahead
    assert ledger.member_account(w.elder).available == 60


def test_no_shows_are_marked_after_the_grace_period_once(demand_world, clock):
    w = demand_world
    demand = new_demand(w, headcount=2)
    absent = services.demand_claim(actor=w.volunteer, demand=demand)
    services.demand_claim(actor=w.volunteer2, demand=demand)
    clock.at(demand.starts_at + dt.timedelta(minutes=10))
    assert services.assignments_mark_no_show() == 0  # still within the 30 minutes of grace
    services.assignment_check_in(actor=w.station_staff, assignment=demand.assignments.get(volunteer=w.volunteer2),
                                 method="staff")
    clock.at(demand.starts_at + dt.timedelta(minutes=31))
    assert services.assignments_mark_no_show() == 1
    assert services.assignments_mark_no_show() == 0
    absent.refresh_from_db()
    assert absent.status == AssignmentStatus.NO_SHOW
    demand.refresh_from_db()
    assert demand.status == DemandStatus.IN_SERVICE


def test_unconfirmed_services_confirm_themselves_after_the_banks_days_once(demand_world, clock):
    w = demand_world
    demand = new_demand(w)
    assignment = serve(w, clock, demand, w.volunteer)
    clock.advance(days=2)
    assert services.assignments_auto_confirm() == 0
    clock.advance(days=1, minutes=1)
    assert services.assignments_auto_confirm() == 1
    assert services.assignments_auto_confirm() == 0
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CREDITED and assignment.auto_confirmed
    assert ledger.member_account(w.volunteer).balance == 60


def test_a_credit_refused_by_the_balance_cap_waits_and_is_retried(demand_world, clock):
    from timebank.orgs.services import bank_rules_set

    w = demand_world
    bank_rules_set(actor=w.bank_admin, bank=w.bank, balance_cap_minutes=30)
    demand = new_demand(w)
    assignment = serve(w, clock, demand, w.volunteer)
    assignment = services.assignment_confirm(actor=w.proxy, assignment=assignment, rating=5)
    assert assignment.status == AssignmentStatus.CONFIRMED and assignment.credit_error == "balance_cap_exceeded"
    bank_rules_set(actor=w.bank_admin, bank=w.bank, balance_cap_minutes=0)
    services.assignments_auto_confirm()
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CREDITED and assignment.rating == 5
    assert ledger.member_account(w.volunteer).balance == 60


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}})
def test_notices_reach_the_inbox_after_commit_and_reminders_go_once(demand_world, clock,
                                                                   django_capture_on_commit_callbacks):
    w = demand_world
    with django_capture_on_commit_callbacks(execute=True):
        demand = new_demand(w)
        services.demand_claim(actor=w.volunteer, demand=demand)
    kinds = set(Notice.objects.filter(person__in=[w.elder, w.proxy, w.station_staff]).values_list("kind", flat=True))
    assert kinds == {NoticeKind.CLAIMED}
    clock.at(demand.starts_at - dt.timedelta(hours=20))
    LoggingSmsBackend.sent = []
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send() == 1
        assert services.reminders_send() == 0
    assert Notice.objects.filter(person=w.volunteer, kind=NoticeKind.REMINDER).count() == 1
    assert [m for m, _ in LoggingSmsBackend.sent] == [w.volunteer.mobile]
    assert notices_mark_read(actor=w.volunteer) == 1


def test_housekeeping_command_runs_every_job_in_process(demand_world, clock):
    from django.core.management import call_command

    call_command("housekeeping", now=True)
