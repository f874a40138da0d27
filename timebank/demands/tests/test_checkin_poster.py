"""The station's check-in poster: the code in large type and a QR code opening the volunteer's tasks
with the code filled in; a station without a code is told so, another branch's is out of reach."""
import pytest

from timebank.demands import services
from timebank.tests.printed import pdf_text

from .conftest import new_demand

pytestmark = pytest.mark.django_db


def test_the_poster_prints_the_code_and_its_qr_opens_the_tasks_with_the_code(demand_world, client, settings):
    w = demand_world
    settings.PUBLIC_BASE_URL = "https://timebank.yangpu.example.cn"
    client.force_login(w.station_staff)
    poster = client.get(f"/demands/stations/{w.station_a1.pk}/check-in-poster.pdf")
    text = pdf_text(poster.content, layout=False)
    assert "ZL88" in text and "https://timebank.yangpu.example.cn/demands/tasks/?code=ZL88" in text
    assignment = services.demand_claim(actor=w.volunteer, demand=new_demand(w))
    client.force_login(w.volunteer)
    tasks = client.get("/demands/tasks/?code=ZL88").content.decode()
    assert f"/demands/tasks/{assignment.pk}/?code=ZL88" in tasks
    task = client.get(f"/demands/tasks/{assignment.pk}/?code=ZL88").content.decode()
    assert 'value="ZL88"' in task
    assert 'value="<b>"' not in client.get(f"/demands/tasks/{assignment.pk}/?code=<b>").content.decode()


def test_a_station_without_a_code_and_another_branch_get_no_poster(demand_world, client):
    w = demand_world
    client.force_login(w.station_staff)
    client.cookies["django_language"] = "en"
    w.station_a1.code = ""
    w.station_a1.save(update_fields=["code"])
    refused = client.get(f"/demands/stations/{w.station_a1.pk}/check-in-poster.pdf")
    assert refused.status_code == 422 and "has no check-in code yet" in refused.content.decode()
    assert client.get(f"/demands/stations/{w.station_b1.pk}/check-in-poster.pdf").status_code == 404
