"""A small district with services, ratings and coin movements made through the real services,
and helpers to bring the rollups up to date the way the worker does."""
import datetime as dt

import pytest
from django.utils import timezone

from timebank.demands import services as demands
from timebank.demands.tests import conftest as demand_fixtures
from timebank.demands.tests.conftest import new_demand, serve
from timebank.ledger import services as ledger
from timebank.people import services as people
from timebank.stats import services as stats
from timebank.stats.selectors import Period

demand_world = demand_fixtures.demand_world


def catch_up():
    """What the worker does after commits: roll the new transfers up (ignoring the margin)."""
    stats.transfers_roll_up(now=timezone.now() + dt.timedelta(days=1))


def register(w, station, name, *, elder=False, volunteer=False, birth=dt.date(1950, 3, 7)):
    from timebank.conftest import new_id_number

    admin = w.other_branch_admin if station == w.station_b1 else w.branch_admin
    person = people.person_register(actor=w.station_staff if station == w.station_a1 else admin,
                                    station=station, name=name, id_number=new_id_number(birth, "F"),
                                    is_elder=elder, is_volunteer=volunteer, consent=True)
    if volunteer and person.volunteer_status == "pending":
        person = people.volunteer_decide(actor=admin, person=person, approve=True)
    return person


@pytest.fixture
def stats_world(demand_world, clock, django_capture_on_commit_callbacks):
    """On top of the demand world (rolled up as a baseline):
    - station a1: 2 elders and 1 volunteer registered through the services; a visit served 60 min
      (rating 5); a lecture for 2 served by one volunteer for 30 min (rating 3, partly filled); a
      visit nobody claimed (expired);
    - station a2: a visit claimed by volunteer2 who did not come (no-show);
    - station b1: a visit served 45 min by other_volunteer (rating 4) — another branch;
    - coins: the volunteer donates 20 minutes; the elder is granted 100 minutes from issuance."""
    w = demand_world
    stats.rollups_reconcile(bank=w.bank, rebuild=True)
    with django_capture_on_commit_callbacks(execute=True):
        w.new_elders = [register(w, w.station_a1, "新老人一", elder=True), register(w, w.station_a1, "新老人二", elder=True)]
        w.new_volunteer = register(w, w.station_a1, "新志愿", volunteer=True, birth=dt.date(1965, 1, 1))
        start = clock.now
        w.visit = new_demand(w)
        clock.advance(minutes=90)  # first claim 90 minutes after publishing
        serve(w, clock, w.visit, w.volunteer, minutes=60)
        clock.at(start)
        w.lecture = new_demand(w, service_type=w.lecture, headcount=2, starts_at=w.visit.starts_at + dt.timedelta(hours=3))
        clock.advance(minutes=30)
        served_lecture = serve(w, clock, w.lecture, w.new_volunteer, minutes=30)
        clock.at(start)
        w.lonely = new_demand(w, starts_at=w.visit.starts_at + dt.timedelta(hours=6))
        w.missed = demands.demand_create(actor=w.branch_admin, station=w.station_a2, service_type=w.chat,
                                         starts_at=w.visit.starts_at, ends_at=w.visit.ends_at, elder=None,
                                         for_community=True, address="国权路")
        w.missed = demands.demand_publish(actor=w.branch_admin, demand=w.missed)
        demands.demand_claim(actor=w.volunteer2, demand=w.missed)
        w.far = demands.demand_create(actor=w.other_branch_admin, station=w.station_b1, service_type=w.chat,
                                      starts_at=w.visit.starts_at, ends_at=w.visit.ends_at, elder=w.other_elder,
                                      address="长白")
        w.far = demands.demand_publish(actor=w.other_branch_admin, demand=w.far)
        clock.advance(minutes=20)
        demands.demand_claim(actor=w.other_volunteer, demand=w.far)
        clock.at(w.far.starts_at)
        far = demands.assignment_check_in(actor=w.other_branch_admin, assignment=w.far.assignments.get(),
                                          method="staff")
        clock.advance(minutes=45)
        far = demands.assignment_check_out(actor=w.other_volunteer, assignment=far)
        # Confirmations and housekeeping the day after.
        clock.at(w.visit.starts_at + dt.timedelta(hours=8))
        demands.assignment_confirm(actor=w.proxy, assignment=w.visit.assignments.get(), rating=5)
        demands.assignment_confirm(actor=w.station_staff, assignment=served_lecture, rating=3)
        demands.assignment_confirm(actor=w.other_branch_admin, assignment=far, rating=4)
        demands.demands_expire(now=clock.now)
        demands.assignments_mark_no_show(now=clock.now)
        ledger.donation_make(actor=w.volunteer, donor=w.volunteer, amount=20)
        ledger.grant_make(actor=w.branch_admin, elder=w.elder, amount=100, source="issuance", reason="困难补助")
    catch_up()
    w.service_day = timezone.localdate(w.visit.starts_at)
    w.period = Period(timezone.localdate(start), w.service_day + dt.timedelta(days=1))
    return w
