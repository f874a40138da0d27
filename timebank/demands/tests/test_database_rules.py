"""The database refuses overbooking and overlapping claims even when the Python is bypassed."""
import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from timebank.demands import services
from timebank.demands.models import Assignment, Demand

from .conftest import new_demand, tomorrow_at


@pytest.mark.django_db
def test_the_claim_count_can_never_pass_the_headcount(demand_world, clock):
    demand = new_demand(demand_world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Demand.objects.filter(pk=demand.pk).update(claimed_count=F("headcount") + 1)


def test_two_live_overlapping_claims_of_one_volunteer_are_refused(postgres_only, demand_world):
    w = demand_world
    first = new_demand(w, starts_at=tomorrow_at(9), minutes=120)
    second = new_demand(w, starts_at=tomorrow_at(10), minutes=60)
    services.demand_claim(actor=w.volunteer, demand=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(demand=second, volunteer=w.volunteer, starts_at=second.starts_at,
                                  ends_at=second.ends_at)
