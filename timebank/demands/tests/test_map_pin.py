"""Where no geocoder found the address (or none is set up, as on an intranet), the clerk places the
request's map point with a pin on a drawn map around the station: a click on the picture (an image
button, so no JavaScript is needed) or the arrow buttons, never typed numbers. A volunteer's phone
check-in is then measured from the pin."""
import datetime as dt

import pytest

from timebank.conftest import make_person
from timebank.demands import selectors, services
from timebank.demands.models import Demand
from timebank.lib.errors import DomainError
from timebank.lib.pin_map import PinMap

from .conftest import HERE, new_demand, tomorrow_at

pytestmark = pytest.mark.django_db


def test_a_click_and_its_point_are_the_same_place_both_ways():
    m = PinMap(*HERE)
    assert m.point_at(300, 200) == (round(HERE[0], 6), round(HERE[1], 6))
    lat, lng = m.point_at(400, 100)  # 500 m east, 500 m north
    assert lat > HERE[0] and lng > HERE[1]
    assert 495 <= selectors.distance_m(HERE[0], lng, *HERE) <= 505
    assert 495 <= selectors.distance_m(lat, HERE[1], *HERE) <= 505
    assert m.pixel_of(lat, lng) == (400.0, 100.0)
    assert m.point_at(-50, 9999) == m.point_at(0, 400)  # outside the picture: its edge


def test_the_clerk_clicks_the_map_and_the_volunteers_check_in_is_measured_from_the_pin(demand_world, client, clock):
    w = demand_world
    demand = new_demand(w, latitude=None, longitude=None)  # no geocoder: the station's point
    client.force_login(w.station_staff)
    page = client.get(f"/demands/{demand.pk}/").content.decode()
    assert 'type="image" name="pin"' in page and f'/demands/{demand.pk}/map.svg' in page
    picture = client.get(f"/demands/{demand.pk}/map.svg")
    assert picture["Content-Type"].startswith("image/svg+xml") and "政立路社区" in picture.content.decode()

    response = client.post(f"/demands/{demand.pk}/pin/", {"pin.x": "460", "pin.y": "200"}, follow=True)  # 800 m east
    demand.refresh_from_db()
    assert demand.latitude == pytest.approx(HERE[0], abs=1e-5) and 790 <= selectors.distance_m(
        demand.latitude, demand.longitude, *HERE) <= 810
    assert "东" in response.content.decode() and "800 米" in response.content.decode()

    assignment = services.demand_claim(actor=w.volunteer, demand=demand)
    clock.at(demand.starts_at)
    with pytest.raises(DomainError) as refused:  # standing at the station is now too far
        services.assignment_check_in(actor=w.volunteer, assignment=assignment, latitude=HERE[0], longitude=HERE[1])
    assert refused.value.code == "too_far"
    services.assignment_check_in(actor=w.volunteer, assignment=assignment, latitude=demand.latitude,
                                 longitude=demand.longitude + 0.0003)


def test_arrows_move_the_pin_fifty_metres_and_the_station_button_takes_it_back(demand_world, client):
    w = demand_world
    demand = new_demand(w, latitude=None, longitude=None)
    client.force_login(w.station_staff)
    client.post(f"/demands/{demand.pk}/pin/", {"nudge": "n"})
    demand.refresh_from_db()
    assert 48 <= selectors.distance_m(demand.latitude, demand.longitude, *HERE) <= 52 and demand.latitude > HERE[0]
    client.post(f"/demands/{demand.pk}/pin/", {"nudge": "w"})
    demand.refresh_from_db()
    assert demand.longitude < HERE[1]
    client.post(f"/demands/{demand.pk}/pin/", {"pin.x": "0", "pin.y": "0"})  # the keyboard's press: nothing moves
    assert Demand.objects.get(pk=demand.pk).latitude == demand.latitude
    client.post(f"/demands/{demand.pk}/pin/", {"station": "1"})
    demand.refresh_from_db()
    assert demand.latitude is None and selectors.demand_point(demand) == HERE


def test_only_staff_of_the_station_pin_and_not_once_the_service_has_started(demand_world, client, api_client):
    w = demand_world
    demand = new_demand(w, latitude=None, longitude=None)
    for outsider, status in ((w.volunteer, 403), (w.elder, 403), (w.other_station_staff, 404)):
        client.force_login(outsider)  # those who see the request are refused, the rest never hear of it
        assert client.post(f"/demands/{demand.pk}/pin/", {"nudge": "n"}).status_code == status
        assert client.get(f"/demands/{demand.pk}/map.svg").status_code == 404
        assert "map.svg" not in client.get(f"/demands/{demand.pk}/").content.decode()
    assert Demand.objects.get(pk=demand.pk).latitude is None
    api_client.login_as(w.station_staff)
    answer = api_client.put(f"/api/v1/demands/{demand.pk}/point", {"latitude": 31.3, "longitude": None},
                            content_type="application/json")
    assert answer.status_code == 422 and answer.json()["code"] == "coordinates_invalid"
    answer = api_client.put(f"/api/v1/demands/{demand.pk}/point", {"latitude": 31.31, "longitude": 121.52},
                            content_type="application/json")
    assert answer.status_code == 200 and answer.json()["latitude"] == 31.31
    Demand.objects.filter(pk=demand.pk).update(status="done")
    answer = api_client.put(f"/api/v1/demands/{demand.pk}/point", {"latitude": 31.32, "longitude": 121.52},
                            content_type="application/json")
    assert answer.status_code == 409 and Demand.objects.get(pk=demand.pk).latitude == 31.31
    client.force_login(w.station_staff)
    assert 'type="image" name="pin"' not in client.get(f"/demands/{demand.pk}/").content.decode()


def test_a_series_request_is_pinned_like_any_other(demand_world, client):
    w = demand_world
    demand = new_demand(w, latitude=None, longitude=None, starts_at=tomorrow_at(14))
    client.force_login(w.branch_admin)
    client.post(f"/demands/{demand.pk}/pin/", {"pin.x": "300", "pin.y": "100"})
    demand.refresh_from_db()
    assert demand.latitude > HERE[0]


def test_an_elders_next_request_at_the_same_address_keeps_the_clerks_pin(demand_world, settings):
    w = demand_world
    settings.GEOCODER = "timebank.lib.geocode.NoGeocoder"
    first = new_demand(w, latitude=None, longitude=None, address="政立路 100 弄 3 号")
    services.demand_point_set(actor=w.station_staff, demand=first, latitude=31.3101, longitude=121.5102)
    again = new_demand(w, latitude=None, longitude=None, address="政立路 100 弄 3 号", starts_at=tomorrow_at(14))
    assert (again.latitude, again.longitude) == (31.3101, 121.5102)
    # Another address is another place: the station's point until someone pins it.
    elsewhere = new_demand(w, latitude=None, longitude=None, address="国和路 8 号", starts_at=tomorrow_at(16))
    assert elsewhere.latitude is None
    # Another elder at that address does not inherit this elder's pin.
    neighbour = make_person(w.station_a1, "邻居老人", birth=dt.date(1946, 5, 5), sex="F", is_elder=True)
    other = new_demand(w, latitude=None, longitude=None, address="政立路 100 弄 3 号", starts_at=tomorrow_at(15),
                       elder=neighbour)
    assert other.latitude is None
    # A pin taken back to the station's point on the latest request is not brought back from an older one.
    services.demand_point_set(actor=w.station_staff, demand=again, latitude=None, longitude=None)
    last = new_demand(w, latitude=None, longitude=None, address="政立路 100 弄 3 号", starts_at=tomorrow_at(17))
    assert last.latitude is None
