"""Demand personas on top of the shared `world`: stations on the map, a second volunteer, a clock."""
import datetime as dt

import pytest
from django.utils import timezone

from timebank.conftest import make_person
from timebank.demands import services
from timebank.demands.models import ServiceType
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind

# 政立路社区 and a point 150 m north of it; 国权路社区 about 2 km away.
HERE = (31.3000, 121.5100)
NEAR = (31.30135, 121.5100)
FAR = (31.3200, 121.5100)


@pytest.fixture
def demand_world(world):
    w = world
    for station, point in ((w.station_a1, HERE), (w.station_a2, (31.3100, 121.5300)), (w.station_b1, FAR)):
        station.latitude, station.longitude = point
        station.save(update_fields=["latitude", "longitude"])
    w.station_a1.code = "ZL88"
    w.station_a1.save(update_fields=["code"])
    w.volunteer.node.refresh_from_db()
    w.volunteer2 = make_person(w.station_a2, "王志愿", mobile="13800000021", is_volunteer=True,
                               volunteer_status="approved")
    w.other_volunteer = make_person(w.station_b1, "赵长白", mobile="13800000022", is_volunteer=True,
                                    volunteer_status="approved")
    from timebank.people.models import ProxyLink

    ProxyLink.objects.create(bank=w.bank, proxy=w.proxy, elder=w.elder, relation="child")
    w.chat = ServiceType.objects.get(bank=w.bank, code="chat_visit")
    w.lecture = ServiceType.objects.get(bank=w.bank, code="health_lecture")
    return w


def tomorrow_at(hour: int, minute: int = 0, days: int = 1) -> dt.datetime:
    day = timezone.localdate(timezone.now()) + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def new_demand(w, *, actor=None, publish=True, minutes=60, headcount=1, payer="branch", service_type=None,
               elder=None, starts_at=None, **extra):
    starts_at = starts_at or tomorrow_at(9)
    extra.setdefault("latitude", HERE[0])
    extra.setdefault("longitude", HERE[1])
    extra.setdefault("address", "政立路 100 弄 3 号")
    demand = services.demand_create(actor=actor or w.station_staff, station=w.station_a1,
                                    service_type=service_type or w.chat, starts_at=starts_at,
                                    ends_at=starts_at + dt.timedelta(minutes=minutes),
                                    elder=elder if elder is not None else w.elder, headcount=headcount, payer=payer,
                                    **extra)
    if publish:
        demand = services.demand_publish(actor=actor or w.station_staff, demand=demand)
    return demand


def grant_coins(w, person, minutes):
    ledger.transfer_post(debit=ledger.system_account(w.branch_a, AccountKind.ISSUANCE),
                         credit=ledger.member_account(person), amount=minutes, kind=TransferKind.GRANT)


def serve(w, clock, demand, volunteer, minutes=60):
    """Claim, check in at the place, check out after `minutes`."""
    assignment = services.demand_claim(actor=volunteer, demand=demand)
    clock.at(demand.starts_at)
    assignment = services.assignment_check_in(actor=volunteer, assignment=assignment, latitude=NEAR[0],
                                              longitude=NEAR[1])
    clock.advance(minutes=minutes)
    return services.assignment_check_out(actor=volunteer, assignment=assignment)
