"""Honours personas: the demand world with two confirmed services of 李志愿."""
import datetime as dt

import pytest
from django.utils import timezone

from timebank.demands.models import Assignment, AssignmentStatus
from timebank.demands.tests import conftest as demand_fixtures
from timebank.demands.tests.conftest import new_demand

demand_world = demand_fixtures.demand_world


def served(w, demand, minutes):
    """A place the volunteer served and the elder confirmed (written directly: these tests are about
    reading the record, not the service flow)."""
    return Assignment.objects.create(demand=demand, volunteer=w.volunteer, status=AssignmentStatus.CONFIRMED,
                                     starts_at=demand.starts_at, ends_at=demand.ends_at, served_minutes=minutes,
                                     confirmed_at=timezone.now() - dt.timedelta(days=1))


@pytest.fixture
def record_world(demand_world):
    w = demand_world
    w.chat_demand = new_demand(w, minutes=90)
    w.lecture_demand = new_demand(w, service_type=w.lecture, headcount=3, starts_at=w.chat_demand.starts_at
                                  + dt.timedelta(hours=4))
    w.served_chat = served(w, w.chat_demand, 90)
    w.served_lecture = served(w, w.lecture_demand, 60)
    return w
