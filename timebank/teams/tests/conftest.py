"""Team personas: 五角场 助老服务队 led by 李志愿, on top of the demand personas."""
import pytest

from timebank.demands.tests import conftest as demand_fixtures
from timebank.teams import services

demand_world = demand_fixtures.demand_world


@pytest.fixture
def team_world(demand_world):
    w = demand_world
    w.team = services.team_create(actor=w.branch_admin, node=w.branch_a, name="五角场助老服务队", leader=w.volunteer)
    w.other_team = services.team_create(actor=w.other_branch_admin, node=w.branch_b, name="长白服务队",
                                        leader=w.other_volunteer)
    w.sister_team = services.team_create(actor=w.branch_admin, node=w.station_a2, name="国权路服务队",
                                         leader=w.volunteer2)
    return w
