"""Training personas: a haircut course at 五角场 with one session tomorrow."""
import datetime as dt

import pytest
from django.utils import timezone

from timebank.demands.tests import conftest as demand_fixtures
from timebank.training import services
from timebank.training.models import CourseKind

demand_world = demand_fixtures.demand_world


@pytest.fixture
def training_world(demand_world):
    w = demand_world
    w.haircut = services.course_create(actor=w.branch_admin, node=w.branch_a, code="haircut", name="理发技能",
                                       kind=CourseKind.PROFESSIONAL, valid_months=12)
    start = timezone.now() + dt.timedelta(days=1)
    w.session = services.session_create(actor=w.branch_admin, course=w.haircut, node=w.station_a1, starts_at=start,
                                        ends_at=start + dt.timedelta(hours=2), place="政立路社区活动室", capacity=2)
    return w
