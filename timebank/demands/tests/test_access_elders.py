"""One access layer for elders (`timebank.people.access`): the API, the publish form's picker and the
services all reach an elder through it, so station staff of one branch cannot publish a coin-paid
need for another branch's elder (and have their own volunteer paid from her coins), the picker
shows nobody by id, and the API tells a volunteer whom a demand serves exactly when the page does."""
import datetime as dt

import pytest
from django.utils import timezone

from timebank.conftest import make_person
from timebank.demands import services
from timebank.demands.models import Assignment, Demand, DemandSeries
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, Transfer, TransferKind
from timebank.lib.errors import NotFound
from timebank.people.access import access_elder, access_elders, elders_in_reach
from timebank.people.models import ProxyLink

from .conftest import HERE, new_demand, tomorrow_at

pytestmark = pytest.mark.django_db


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def fund(w, elder, minutes=600):
    ledger.transfer_post(debit=ledger.system_account(w.branch_b if elder.node == w.station_b1 else w.branch_a,
                                                     AccountKind.ISSUANCE),
                         credit=ledger.member_account(elder), amount=minutes, kind=TransferKind.GRANT)


def demand_payload(w, station, **extra):
    start = tomorrow_at(9)
    return {"station_id": station.pk, "service_type_id": w.chat.pk, "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=1)).isoformat(), "latitude": HERE[0], "longitude": HERE[1],
            **extra}


def money_snapshot(w):
    """Her balance and what is available (holds count), and every transfer and hold of the bank."""
    account = ledger.member_account(w.other_elder)
    return account.balance, account.available, Transfer.objects.count()


# ---- hole 1: another branch's elder, through the API and at the service -----------------------------

def test_station_staff_cannot_publish_a_coin_paid_need_for_another_branchs_elder_through_the_api(
        demand_world, api_client, clock):
    w = demand_world
    fund(w, w.other_elder)
    before = money_snapshot(w)
    api_client.login_as(w.station_staff)  # 政立路 (五角场 branch); 王长白 lives at 长白一村 (长白 branch)

    stolen = post(api_client, "/api/v1/demands", demand_payload(w, w.station_a1, elder_id=w.other_elder.pk,
                                                                 payer="elder"))
    assert stolen.status_code == 404, stolen.content
    assert stolen.json()["code"] == "not_found"
    group = post(api_client, "/api/v1/demands", demand_payload(w, w.station_a1, elder_ids=[w.elder.pk,
                                                                                           w.other_elder.pk]))
    assert group.status_code == 404, group.content
    # An id that does not exist answers the same: nothing tells that she lives in another branch.
    assert post(api_client, "/api/v1/demands", demand_payload(w, w.station_a1, elder_id=10 ** 9,
                                                              payer="elder")).json() == stolen.json()

    assert not Demand.objects.exists() and not Assignment.objects.exists()
    assert money_snapshot(w) == before
    # Her own branch sees nothing to miss, and her coins are all there.
    api_client.login_as(w.other_branch_admin)
    assert api_client.get("/api/v1/demands").json()["count"] == 0
    assert ledger.member_account(w.other_elder).balance == 600


def test_station_staff_cannot_publish_at_another_branchs_station_for_their_own_elder(demand_world, api_client,
                                                                                      clock):
    """Staff reach no station of the other branch: publishing there (paid from that branch's budget)
    is refused even for an elder of their own station."""
    w = demand_world
    api_client.login_as(w.station_staff)
    response = post(api_client, "/api/v1/demands", demand_payload(w, w.station_b1, elder_id=w.elder.pk))
    assert response.status_code == 404, response.content
    assert not Demand.objects.exists()


def test_the_api_still_publishes_for_the_elders_in_reach(demand_world, api_client, clock):
    w = demand_world
    fund(w, w.elder)
    api_client.login_as(w.station_staff)
    response = post(api_client, "/api/v1/demands", demand_payload(w, w.station_a1, elder_id=w.elder.pk,
                                                                   payer="elder"))
    assert response.status_code == 201, response.content
    assert response.json()["elder_name"] == w.elder.name
    api_client.login_as(w.proxy)
    response = post(api_client, "/api/v1/demands", demand_payload(w, w.station_a1, elder_id=w.elder.pk))
    assert response.status_code == 201, response.content


def test_the_service_itself_refuses_another_branchs_elder(demand_world, clock):
    """Called directly (no API, no form in front), the service reaches elders through the same layer."""
    w = demand_world
    fund(w, w.other_elder)
    before = money_snapshot(w)
    start = tomorrow_at(9)
    common = {"actor": w.station_staff, "station": w.station_a1, "service_type": w.chat, "starts_at": start,
              "ends_at": start + dt.timedelta(hours=1)}
    with pytest.raises(NotFound):
        services.demand_create(**common, elder=w.other_elder, payer="elder")
    with pytest.raises(NotFound):
        services.demand_create(**common, elders=[w.elder, w.other_elder])
    with pytest.raises(NotFound):
        services.series_create(actor=w.station_staff, station=w.station_a1, service_type=w.chat,
                               weekday=start.weekday(), start_time=dt.time(9), duration_minutes=60,
                               starts_on=start.date(), until=start.date() + dt.timedelta(days=28),
                               elder=w.other_elder, payer="elder")
    with pytest.raises(NotFound):  # and not at the other branch's station for one's own elder either
        services.demand_create(**{**common, "station": w.station_b1}, elder=w.elder)
    assert not Demand.objects.exists() and not DemandSeries.objects.exists()
    assert money_snapshot(w) == before


def test_the_access_layer_reaches_the_elder_her_proxy_and_staff_in_reach_only(demand_world):
    from timebank.orgs.roles import Perm

    w = demand_world
    manage = Perm.DEMANDS_MANAGE
    assert access_elder(w.station_staff, w.elder.pk, for_=manage) == w.elder
    assert access_elder(w.branch_admin, str(w.elder.pk), for_=manage) == w.elder
    assert access_elder(w.bank_admin, w.other_elder.pk, for_=manage) == w.other_elder
    assert access_elder(w.proxy, w.elder.pk, for_=manage) == w.elder
    assert access_elder(w.elder, w.elder.pk, for_=manage) == w.elder
    for actor, elder_id in ((w.station_staff, w.other_elder.pk), (w.other_station_staff, w.elder.pk),
                            (w.volunteer, w.elder.pk), (w.auditor, w.elder.pk), (None, w.elder.pk),
                            (w.station_staff, "x"), (w.station_staff, None)):
        with pytest.raises(NotFound):
            access_elder(actor, elder_id, for_=manage)
    with pytest.raises(NotFound):
        access_elders(w.station_staff, [w.elder.pk, w.other_elder.pk], for_=manage)
    # A revoked proxy link reaches nobody.
    ProxyLink.objects.filter(proxy=w.proxy).update(revoked_at=timezone.now())
    with pytest.raises(NotFound):
        access_elder(w.proxy, w.elder.pk, for_=manage)
    assert w.other_elder not in elders_in_reach(w.branch_admin, for_=manage)


# ---- hole 2: the publish form's elder picker ----------------------------------------------------------

def _login(client, person, password):
    response = client.post("/login/", {"username": person.mobile, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]


def test_the_elder_picker_shows_nobody_out_of_reach_by_id(demand_world, client):
    w = demand_world
    _login(client, w.station_staff, w.password)
    her = w.other_elder  # 王长白 · 长白一村社区 · 1945
    someone = make_person(w.station_b1, "钱长白", birth=dt.date(1939, 6, 1))  # not even an elder
    for person in (her, someone, w.other_branch_admin):
        page = client.get("/demands/new/", {"elder_q": "", "elder": person.pk}).content.decode()
        assert person.name not in page and f'name="elder" value="{person.pk}"' not in page
        assert str(person.birth_date.year) not in page
    page = client.get("/demands/new/", {"elder_q": "", "elder": her.pk}).content.decode()
    assert w.station_b1.name not in page
    # A posted form comes back with the choice refused and still nothing of her.
    day = tomorrow_at(9).date()
    refused = client.post("/demands/new/", {
        "station": w.station_a1.pk, "service_type": w.chat.pk, "elder": her.pk, "day": day.isoformat(),
        "start": "09:00", "end": "10:00", "headcount": 1, "payer": "branch", "publish": "on"})
    assert refused.status_code == 200 and not Demand.objects.exists()
    assert her.name not in refused.content.decode() and w.station_b1.name not in refused.content.decode()
    # The elder in reach is still shown when chosen.
    mine = client.get("/demands/new/", {"elder_q": "", "elder": w.elder.pk}).content.decode()
    assert w.elder.name in mine and f'name="elder" value="{w.elder.pk}" checked' in mine


# ---- hole 7: the API tells whom a demand serves exactly when the page does -----------------------------

def _page_shows_elder(client, demand, elder) -> bool:
    page = client.get(f"/demands/{demand.pk}/")
    assert page.status_code == 200
    return elder.name in page.content.decode()


def test_the_api_hides_the_elder_from_a_volunteer_until_they_take_the_task(demand_world, api_client, client, clock):
    w = demand_world
    demand = new_demand(w)
    api_client.login_as(w.volunteer)
    client.force_login(w.volunteer)

    listed = api_client.get("/api/v1/demands")
    detail = api_client.get(f"/api/v1/demands/{demand.pk}")
    assert listed.status_code == 200 and detail.status_code == 200
    assert [d["id"] for d in listed.json()["items"]] == [demand.pk]
    for body in (listed.json()["items"][0], detail.json()):
        assert body["elder_name"] is None and body["elder_id"] is None
    assert w.elder.name not in listed.content.decode() and w.elder.name not in detail.content.decode()
    assert not _page_shows_elder(client, demand, w.elder)

    claimed = api_client.post(f"/api/v1/demands/{demand.pk}/claim")
    assert claimed.status_code == 201, claimed.content
    detail = api_client.get(f"/api/v1/demands/{demand.pk}").json()
    listed = api_client.get("/api/v1/demands").json()["items"][0]
    assert detail["elder_name"] == listed["elder_name"] == w.elder.name
    assert detail["elder_id"] == w.elder.pk
    assert _page_shows_elder(client, demand, w.elder)

    # Another volunteer of the branch who has not taken it still learns nothing, on either side.
    api_client.login_as(w.volunteer2)
    client.force_login(w.volunteer2)
    other = api_client.get(f"/api/v1/demands/{demand.pk}")
    assert other.status_code == 200 and other.json()["elder_name"] is None
    assert w.elder.name not in other.content.decode()
    assert not _page_shows_elder(client, demand, w.elder)


def test_the_api_and_the_page_agree_for_every_reader(demand_world, api_client, client, clock):
    w = demand_world
    demand = new_demand(w)
    services.demand_claim(actor=w.volunteer2, demand=demand)
    for reader in (w.station_staff, w.branch_admin, w.auditor, w.proxy, w.volunteer, w.volunteer2):
        api_client.login_as(reader)
        client.force_login(reader)
        name = api_client.get(f"/api/v1/demands/{demand.pk}").json()["elder_name"]
        assert (name == w.elder.name) == _page_shows_elder(client, demand, w.elder), reader.name
        assert name in (None, w.elder.name)
