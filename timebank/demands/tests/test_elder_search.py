"""Station staff find the elder on the publish form by searching, not in a list of every elder:
without JavaScript (a GET search, then choose) and live with HTMX; only elders in reach are found."""
import pytest

from timebank.conftest import make_person
from timebank.demands.models import Demand

from .conftest import tomorrow_at

pytestmark = pytest.mark.django_db


def test_the_form_lists_no_elders_until_searched_and_then_only_matches(demand_world, client):
    w = demand_world
    make_person(w.station_a1, "李阿婆", is_elder=True)
    client.force_login(w.station_staff)
    page = client.get("/demands/new/").content.decode()
    assert 'name="elder_q"' in page and w.elder.name not in page

    found = client.get("/demands/new/", {"elder_q": "zxm", "headcount": "2", "notes": "带药"})
    page = found.content.decode()
    assert f'name="elder" value="{w.elder.pk}"' in page and "李阿婆" not in page
    assert "带药" in page  # what was typed before searching is kept
    other = client.get("/demands/new/", {"elder_q": w.other_elder.name}).content.decode()
    assert f'name="elder" value="{w.other_elder.pk}"' not in other
    assert other.count('name="elder" value=') == 1  # only "no one elder"

    day = tomorrow_at(9).date()
    response = client.post("/demands/new/", {
        "station": w.station_a1.pk, "service_type": w.chat.pk, "elder": w.elder.pk, "day": day.isoformat(),
        "start": "09:00", "end": "10:00", "headcount": 1, "payer": "branch", "publish": "on"})
    assert response.status_code == 302 and Demand.objects.get().elder == w.elder


def test_htmx_search_returns_only_the_matching_choices(demand_world, client):
    w = demand_world
    client.force_login(w.station_staff)
    response = client.get("/demands/new/elders/", {"elder_q": "张晓"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f'name="elder" value="{w.elder.pk}"' in html and w.other_elder.name not in html
    assert "王长白" not in client.get("/demands/new/elders/", {"elder_q": "wcb"}).content.decode()
    client.force_login(w.volunteer)
    assert client.get("/demands/new/elders/", {"elder_q": "zxm"}).status_code == 404


def test_an_elder_out_of_reach_cannot_be_posted(demand_world, client):
    w = demand_world
    client.force_login(w.station_staff)
    day = tomorrow_at(9).date()
    response = client.post("/demands/new/", {
        "station": w.station_a1.pk, "service_type": w.chat.pk, "elder": w.other_elder.pk, "day": day.isoformat(),
        "start": "09:00", "end": "10:00", "headcount": 1, "payer": "branch", "publish": "on"})
    assert response.status_code == 200 and not Demand.objects.exists()
