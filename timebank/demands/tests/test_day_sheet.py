"""The station's day on paper: the day's tasks in time order with the elder, the address and the
volunteers, signature columns, the station's phone; another branch's station is out of reach."""
import pytest

from timebank.demands import services
from timebank.tests.printed import pdf_text

from .conftest import new_demand, tomorrow_at

pytestmark = pytest.mark.django_db


def test_the_day_sheet_lists_the_days_tasks_with_their_volunteers(demand_world, client, clock):
    w = demand_world
    w.station_a1.phone = "021-65438001"
    w.station_a1.save(update_fields=["phone"])
    demand = new_demand(w)
    services.demand_claim(actor=w.volunteer, demand=demand)
    client.force_login(w.station_staff)
    day = tomorrow_at(9).date().isoformat()
    response = client.get(f"/demands/day.pdf?station={w.station_a1.pk}&date={day}")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert w.volunteer.name in text and "021-65438001" in text and day in text and "政立路 100 弄 3 号" in text
    other = client.get(f"/demands/day.pdf?station={w.station_b1.pk}&date={day}")
    assert other.status_code == 404
