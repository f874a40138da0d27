"""Real threads against PostgreSQL: places are never overbooked and a service credits once."""
import datetime as dt

from django.utils import timezone

from timebank.conftest import make_person, run_threads
from timebank.demands import services
from timebank.demands.models import Assignment, AssignmentStatus, Demand
from timebank.ledger import services as ledger
from timebank.ledger.models import Transfer, TransferKind

from .conftest import NEAR, new_demand


def test_two_hundred_volunteers_racing_for_five_places_get_exactly_five(postgres_only, demand_world):
    w = demand_world
    volunteers = [make_person(w.station_a1 if i % 2 else w.station_a2, f"志愿者{i}", mobile=f"137{i:08d}",
                              birth=dt.date(1960, 1, 1) + dt.timedelta(days=i), is_volunteer=True,
                              volunteer_status="approved") for i in range(200)]
    demand = new_demand(w, service_type=w.lecture, headcount=5)
    results = run_threads(200, lambda i: services.demand_claim(actor=volunteers[i], demand=demand).pk)
    assert len(results) == 200
    wins = [r for r in results if not isinstance(r, Exception)]
    assert len(wins) == 5
    assert {r.code for r in results if isinstance(r, Exception)} == {"demand_full"}
    claims = Assignment.objects.filter(demand=demand, status=AssignmentStatus.CLAIMED)
    assert claims.count() == 5 and len(set(claims.values_list("volunteer_id", flat=True))) == 5
    assert Demand.objects.get(pk=demand.pk).claimed_count == 5


def test_one_volunteer_racing_for_overlapping_demands_gets_one(postgres_only, demand_world):
    w = demand_world
    demands = [new_demand(w, headcount=1) for _ in range(10)]
    results = run_threads(10, lambda i: services.demand_claim(actor=w.volunteer, demand=demands[i]).pk)
    assert len([r for r in results if not isinstance(r, Exception)]) == 1
    assert Assignment.objects.filter(volunteer=w.volunteer, status=AssignmentStatus.CLAIMED).count() == 1


def test_a_double_confirm_at_the_same_moment_credits_once(postgres_only, demand_world):
    w = demand_world
    demand = new_demand(w)
    assignment = services.demand_claim(actor=w.volunteer, demand=demand)
    # The service happened yesterday (moved in the database: services refuse past times).
    past = timezone.now() - dt.timedelta(days=1)
    Demand.objects.filter(pk=demand.pk).update(starts_at=past, ends_at=past + dt.timedelta(hours=1))
    Assignment.objects.filter(pk=assignment.pk).update(
        status=AssignmentStatus.DONE, starts_at=past, ends_at=past + dt.timedelta(hours=1), check_in_at=past,
        check_out_at=past + dt.timedelta(hours=1), served_minutes=60, check_in_latitude=NEAR[0])
    confirmers = [w.proxy, w.elder, w.station_staff, w.branch_admin] * 5
    results = run_threads(20, lambda i: services.assignment_confirm(actor=confirmers[i], assignment=assignment,
                                                                    rating=5).status)
    assert results.count(AssignmentStatus.CREDITED) == 1
    assert {r.code for r in results if isinstance(r, Exception)} == {"invalid_transition"}
    assert Transfer.objects.filter(kind=TransferKind.SERVICE_CREDIT).count() == 1
    assert ledger.member_account(w.volunteer).balance == 60


def test_jobs_running_twice_at_once_change_things_once(postgres_only, demand_world):
    w = demand_world
    demands = [new_demand(w, headcount=1) for _ in range(3)]
    past = timezone.now() - dt.timedelta(hours=2)
    Demand.objects.filter(pk__in=[d.pk for d in demands]).update(starts_at=past, ends_at=past + dt.timedelta(hours=1))
    results = run_threads(2, lambda i: services.demands_expire())
    assert sorted(results) == [0, 3] or sum(results) == 3
    assert services.demands_expire() == 0


def test_a_request_from_an_offer_sent_eight_times_at_once_is_made_once(postgres_only, demand_world):
    from timebank.demands.models import OfferRequest

    from .conftest import grant_coins, tomorrow_at

    w = demand_world
    grant_coins(w, w.elder, 300)
    offer = services.offer_create(actor=w.volunteer, service_type=w.chat, description="我会陪聊")
    results = run_threads(8, lambda i: services.offer_request(
        actor=w.station_staff, offer=offer, elder=w.elder, starts_at=tomorrow_at(9), minutes=60, payer="elder",
        key="the-same-form")[0].pk)
    assert not [r for r in results if isinstance(r, Exception)] and len(set(results)) == 1
    assert Demand.objects.count() == 1 and OfferRequest.objects.count() == 1
    assert ledger.member_account(w.elder).available == 240  # one place's coins held, once
