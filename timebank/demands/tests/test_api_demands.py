"""The demand API: the whole flow through HTTP, idempotent retries, times with offset, scoping."""
import datetime as dt

import pytest

from timebank.demands.models import Assignment, AssignmentStatus
from timebank.ledger import services as ledger
from timebank.ledger.models import Transfer, TransferKind

from .conftest import FAR, HERE, NEAR, new_demand, tomorrow_at

pytestmark = pytest.mark.django_db


def post(client, url, data=None, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(url, data or {}, content_type="application/json", headers=headers)


def test_it_lists_the_catalogue_of_my_bank(demand_world, api_client):
    api_client.login_as(demand_world.volunteer)
    body = api_client.get("/api/v1/service-types?limit=100").json()
    assert body["count"] == 17
    chat = next(t for t in body["items"] if t["code"] == "chat_visit")
    assert (chat["name"], chat["name_en"], chat["mode"], chat["rate_percent"]) == ("聊天慰问", "Chat and visiting",
                                                                                  "one_to_one", 100)
    assert any(t["code"] == "haircut" and t["rate_percent"] == 200 for t in body["items"])


def test_the_whole_flow_through_the_api(demand_world, api_client, clock):
    w = demand_world
    start = tomorrow_at(9)
    api_client.login_as(w.proxy)
    response = post(api_client, "/api/v1/demands", {
        "station_id": w.station_a1.pk, "service_type_id": w.chat.pk, "elder_id": w.elder.pk,
        "starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
        "address": "政立路 100 弄", "latitude": HERE[0], "longitude": HERE[1]})
    assert response.status_code == 201, response.content
    demand = response.json()
    assert demand["status"] == "published"
    assert demand["starts_at"].endswith("+08:00") and demand["starts_at"].startswith(
        start.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M"))
    demand_id = demand["id"]

    api_client.login_as(w.volunteer)
    feed = api_client.get("/api/v1/demands/feed").json()
    assert [d["id"] for d in feed] == [demand_id] and feed[0]["distance_m"] == 0
    first = post(api_client, f"/api/v1/demands/{demand_id}/claim", key="claim-1")
    again = post(api_client, f"/api/v1/demands/{demand_id}/claim", key="claim-1")
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Assignment.objects.count() == 1
    assert post(api_client, f"/api/v1/demands/{demand_id}/claim", key="claim-2").json()["code"] == "already_claimed"

    clock.at(start)
    far = post(api_client, f"/api/v1/demands/{demand_id}/check-in", {"latitude": FAR[0], "longitude": FAR[1]})
    assert far.status_code == 409 and far.json()["code"] == "too_far"
    ok = post(api_client, f"/api/v1/demands/{demand_id}/check-in", {"latitude": NEAR[0], "longitude": NEAR[1]})
    assert ok.status_code == 200 and ok.json()["status"] == "checked_in"
    clock.advance(minutes=45)
    out = post(api_client, f"/api/v1/demands/{demand_id}/check-out", key="out-1")
    assert out.json()["served_minutes"] == 45
    assert post(api_client, f"/api/v1/demands/{demand_id}/check-out", key="out-1").json()["served_minutes"] == 45
    assert post(api_client, f"/api/v1/demands/{demand_id}/confirm", {"rating": 5}).json()["code"] == "not_yours"

    api_client.login_as(w.proxy)
    done = post(api_client, f"/api/v1/demands/{demand_id}/confirm", {"rating": 5, "comment": "谢谢"}, key="c-1")
    assert done.status_code == 200 and done.json()["status"] == "credited" and done.json()["credited_minutes"] == 45
    replay = post(api_client, f"/api/v1/demands/{demand_id}/confirm", {"rating": 5, "comment": "谢谢"}, key="c-1")
    assert replay.json()["id"] == done.json()["id"]
    # The same step again without the key (a second tap on another phone): a 409 that says it is done.
    again = post(api_client, f"/api/v1/demands/{demand_id}/confirm", {"rating": 4}, key="c-2")
    assert again.status_code == 409 and again.json()["code"] == "already_decided"
    assert Transfer.objects.filter(kind=TransferKind.SERVICE_CREDIT).count() == 1
    assert ledger.member_account(w.volunteer).balance == 45
    detail = api_client.get(f"/api/v1/demands/{demand_id}").json()
    assert detail["status"] == "completed" and detail["assignments"][0]["rating"] == 5


def test_bad_input_gets_a_code_and_no_change(demand_world, api_client, clock):
    w = demand_world
    api_client.login_as(w.station_staff)
    start = tomorrow_at(9)
    base = {"station_id": w.station_a1.pk, "service_type_id": w.chat.pk, "elder_id": w.elder.pk}
    backwards = post(api_client, "/api/v1/demands", {**base, "starts_at": start.isoformat(),
                                                     "ends_at": (start - dt.timedelta(hours=1)).isoformat()})
    assert backwards.status_code == 422 and backwards.json()["code"] == "times_invalid"
    none = post(api_client, "/api/v1/demands", {**base, "starts_at": start.isoformat(), "headcount": 0,
                                                "ends_at": (start + dt.timedelta(hours=1)).isoformat()})
    assert none.json()["code"] == "headcount_invalid"
    broke = post(api_client, "/api/v1/demands", {**base, "starts_at": start.isoformat(), "payer": "elder",
                                                 "ends_at": (start + dt.timedelta(hours=1)).isoformat()})
    assert broke.status_code == 409 and broke.json()["code"] == "insufficient_balance"
    assert api_client.get("/api/v1/demands").json()["count"] == 0
    assert api_client.get("/api/v1/demands?near=abc").json()["code"] == "near_invalid"


def test_another_branch_gets_404_for_everything(demand_world, api_client, clock):
    w = demand_world
    demand = new_demand(w)
    api_client.login_as(w.other_branch_admin)
    assert api_client.get(f"/api/v1/demands/{demand.pk}").status_code == 404
    assert api_client.get("/api/v1/demands").json()["count"] == 0
    for action in ("publish", "cancel", "claim", "check-in", "check-out", "confirm", "dispute", "unclaim"):
        body = {"reason": "x"} if action in ("cancel", "dispute") else {}
        response = post(api_client, f"/api/v1/demands/{demand.pk}/{action}", body)
        assert response.status_code == 404, (action, response.content)
    api_client.login_as(w.other_volunteer)
    assert post(api_client, f"/api/v1/demands/{demand.pk}/claim").status_code == 404
    assert api_client.get("/api/v1/demands/feed").json() == []


def test_staff_list_filter_and_dispatch(demand_world, api_client, clock):
    w = demand_world
    near = new_demand(w, starts_at=tomorrow_at(9))
    later = new_demand(w, starts_at=tomorrow_at(9, days=3))
    api_client.login_as(w.station_staff)
    body = api_client.get(f"/api/v1/demands?status=published&near={HERE[0]},{HERE[1]}&radius_km=1"
                          f"&to={tomorrow_at(0, days=2).isoformat().replace('+', '%2B')}").json()
    assert [d["id"] for d in body["items"]] == [near.pk]
    candidates = api_client.get(f"/api/v1/demands/{later.pk}/candidates").json()
    assert candidates[0]["volunteer_id"] == w.volunteer.pk
    response = post(api_client, f"/api/v1/demands/{later.pk}/dispatch", {"volunteer_id": w.volunteer2.pk})
    assert response.status_code == 201 and response.json()["dispatched"]
    assert Assignment.objects.get(pk=response.json()["id"]).status == AssignmentStatus.CLAIMED
