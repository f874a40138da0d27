"""A clerk never types coordinates: a request's address comes from the elder's record unless given,
and its map point from the address through the geocoder (AMap's web API when set up, against a
stand-in here), else from its station."""
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from timebank.demands import selectors
from timebank.lib.geocode import AmapGeocoder

from .conftest import HERE, new_demand

pytestmark = pytest.mark.django_db


class Amap(BaseHTTPRequestHandler):
    asked: list[dict] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        Amap.asked.append(query)
        known = "政立路" in query.get("address", "") and query.get("key") == "k-test"
        body = json.dumps({"status": "1", "geocodes": [{"location": "121.512345,31.301234"}]} if known
                          else {"status": "1", "count": "0", "geocodes": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def amap(settings):
    server = HTTPServer(("127.0.0.1", 0), Amap)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Amap.asked = []
    settings.GEOCODER = "timebank.lib.geocode.AmapGeocoder"
    settings.AMAP_KEY = "k-test"
    settings.AMAP_GEOCODE_URL = f"http://127.0.0.1:{server.server_port}/v3/geocode/geo"
    yield Amap
    server.shutdown()
    server.server_close()


def test_the_address_comes_from_the_elders_record_and_the_point_from_the_address(demand_world, amap):
    w = demand_world
    w.elder.address = "上海市杨浦区政立路 500 弄 8 号"
    w.elder.save(update_fields=["address"])
    demand = new_demand(w, address="", latitude=None, longitude=None)
    assert demand.address == "上海市杨浦区政立路 500 弄 8 号"
    assert (demand.latitude, demand.longitude) == (31.301234, 121.512345)
    assert amap.asked[0]["city"] == "杨浦区"


def test_an_address_the_map_does_not_know_uses_the_stations_point(demand_world, amap):
    w = demand_world
    demand = new_demand(w, address="不存在的路 1 号", latitude=None, longitude=None)
    assert demand.latitude is None and selectors.demand_point(demand) == HERE


def test_without_a_map_service_nothing_is_asked_and_an_unreachable_one_is_no_error(demand_world, settings):
    w = demand_world
    demand = new_demand(w, latitude=None, longitude=None)  # the default geocoder: no map service
    assert demand.latitude is None and selectors.demand_point(demand) == HERE
    assert AmapGeocoder(key="k", endpoint="http://127.0.0.1:9/geo", timeout=1).locate("政立路 1 号") is None


def test_the_publish_form_has_no_coordinate_fields(demand_world, client):
    client.force_login(demand_world.station_staff)
    page = client.get("/demands/new/").content.decode()
    assert 'name="latitude"' not in page and 'name="longitude"' not in page and 'name="address"' in page


class AskedOutsideTransactions:
    """A geocoder that notes whether the database connection was inside a transaction when it was asked."""
    asked: list[bool] = []

    def locate(self, address, *, city=""):
        from django.db import connection

        AskedOutsideTransactions.asked.append(connection.in_atomic_block)
        return 31.3, 121.5


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("weekly,own_address", [(False, True), (True, True), (True, False)])
def test_the_publish_form_asks_the_map_service_before_any_transaction_opens(demand_world, client, settings, clock,
                                                                            weekly, own_address):
    import datetime as dt

    from timebank.demands.models import Demand

    from .conftest import tomorrow_at

    w = demand_world
    settings.GEOCODER = f"{__name__}.AskedOutsideTransactions"
    AskedOutsideTransactions.asked = []
    client.force_login(w.station_staff)
    day = tomorrow_at(9).date()
    form = {"station": w.station_a1.pk, "service_type": w.chat.pk, "elder": w.elder.pk, "day": day.isoformat(),
            "start": "09:00", "end": "10:00", "headcount": 1, "payer": "branch", "publish": "on",
            "address": f"政立路 {1 + weekly} 号" if own_address else ""}  # not looked up by this process yet
    if not own_address:  # the elder's own address, which a weekly series follows
        w.elder.address = "政立路 3 号"
        w.elder.save(update_fields=["address"])
    if weekly:
        form["weekly_until"] = (day + dt.timedelta(days=15)).isoformat()
    assert client.post("/demands/new/", form).status_code == 302
    assert AskedOutsideTransactions.asked == [False]
    demands = Demand.objects.all()
    assert demands.count() == (3 if weekly else 1)
    assert {(d.latitude, d.longitude) for d in demands} == {(31.3, 121.5)}
