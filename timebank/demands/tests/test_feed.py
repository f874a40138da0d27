"""精准对接: a volunteer's feed holds what they can actually take, soonest day first, nearest within a day."""
import datetime as dt

import pytest

from timebank.demands import selectors, services
from timebank.demands.models import ServiceType

from .conftest import new_demand, tomorrow_at

pytestmark = pytest.mark.django_db


def feed(w, **filters):
    return [i.demand.pk for i in selectors.volunteer_feed(w.volunteer, **filters)]


def test_the_feed_orders_by_day_then_distance_and_filters(demand_world, clock):
    w = demand_world
    far_early = new_demand(w, starts_at=tomorrow_at(8), latitude=31.3300, longitude=121.5100)
    near_late = new_demand(w, starts_at=tomorrow_at(16))
    day_after = new_demand(w, starts_at=tomorrow_at(8, days=2))
    lecture = new_demand(w, service_type=w.lecture, starts_at=tomorrow_at(12), elder=None, for_community=True,
                         headcount=3)
    assert feed(w) == [lecture.pk, near_late.pk, far_early.pk, day_after.pk]  # same place: sooner first
    assert feed(w, radius_km=1) == [lecture.pk, near_late.pk, day_after.pk]
    assert feed(w, type_id=w.lecture.pk) == [lecture.pk]
    day = tomorrow_at(0, days=2)
    assert feed(w, date_from=day, date_to=day + dt.timedelta(days=1)) == [day_after.pk]


def test_the_feed_leaves_out_what_the_volunteer_cannot_take(demand_world, clock):
    w = demand_world
    mine = new_demand(w, starts_at=tomorrow_at(9))
    services.demand_claim(actor=w.volunteer, demand=mine)
    overlapping = new_demand(w, starts_at=tomorrow_at(9, 30))
    full = new_demand(w, starts_at=tomorrow_at(14))
    services.demand_claim(actor=w.volunteer2, demand=full)
    haircut = ServiceType.objects.get(bank=w.bank, code="haircut")
    new_demand(w, service_type=haircut, starts_at=tomorrow_at(16), minutes=30)
    draft = new_demand(w, starts_at=tomorrow_at(18), publish=False)
    free = new_demand(w, starts_at=tomorrow_at(11))
    assert feed(w) == [free.pk]
    assert overlapping.pk in [i.demand.pk for i in selectors.volunteer_feed(w.volunteer2)]
    assert draft.pk not in [i.demand.pk for i in selectors.volunteer_feed(w.volunteer2)]


def test_the_feed_works_when_nobody_has_coordinates(world):
    from timebank.demands.models import ServiceType as Type
    chat = Type.objects.get(bank=world.bank, code="chat_visit")
    starts_at = tomorrow_at(9)
    demand = services.demand_create(actor=world.station_staff, station=world.station_a1, service_type=chat,
                                    starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1), elder=world.elder,
                                    headcount=1, payer="branch", address="政立路 100 弄")
    services.demand_publish(actor=world.station_staff, demand=demand)
    assert [item.demand.id for item in selectors.volunteer_feed(world.volunteer)] == [demand.pk]
