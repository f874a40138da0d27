"""我能提供: a member offers what they can do; staff of the station see it with search and filters, the
neighbours see it on a plain page (the name masked), another branch does not see it at all; station
staff turn it into a request for an elder with the member assigned, through the ordinary services (an
elder-paid request holds the elder's coins), once however often the form is sent."""
import datetime as dt

import pytest

from timebank.demands import selectors
from timebank.demands.models import Assignment, Demand, Offer, OfferRequest
from timebank.ledger import services as ledger
from timebank.people.models import Person

from .conftest import grant_coins, tomorrow_at

pytestmark = pytest.mark.django_db


def post_offer(api_client, person, **fields):
    api_client.login_as(person)
    body = {"service_type_id": fields.pop("type_id", None), "description": "我会理发，可以上门", "free_slots": ["tue_am"],
            **fields}
    return api_client.post("/api/v1/offers", body, content_type="application/json")


@pytest.fixture
def offer(demand_world, api_client):
    w = demand_world
    response = post_offer(api_client, w.volunteer, type_id=w.chat.pk)
    assert response.status_code == 201, response.content
    return Offer.objects.get(pk=response.json()["id"])


def ask(api_client, person, offer, body, key=None):
    api_client.login_as(person)
    headers = {"Idempotency-Key": key} if key else {}
    return api_client.post(f"/api/v1/offers/{offer.pk}/request", body, content_type="application/json",
                           headers=headers)


def request_body(w, **fields):
    return {"elder_id": w.elder.pk, "starts_at": tomorrow_at(9).isoformat(), "minutes": 60, **fields}


def test_staff_see_an_offer_in_full_neighbours_masked_and_another_branch_not_at_all(demand_world, api_client, offer):
    w = demand_world
    api_client.login_as(w.station_staff)
    listed = api_client.get("/api/v1/offers", {"q": "理发"}).json()["items"]
    assert [(o["id"], o["person_name"], o["free_slots"]) for o in listed] == [(offer.pk, w.volunteer.name, ["tue_am"])]
    api_client.login_as(w.volunteer2)  # a neighbour in the same branch
    seen = api_client.get(f"/api/v1/offers/{offer.pk}").json()
    assert seen["person_name"] != w.volunteer.name and seen["person_name"].startswith(w.volunteer.name[0])
    assert seen["person_id"] is None
    for stranger in (w.other_station_staff, w.other_branch_admin, w.other_volunteer):
        api_client.login_as(stranger)
        assert api_client.get(f"/api/v1/offers/{offer.pk}").status_code == 404
        assert api_client.get("/api/v1/offers").json()["items"] == []
        assert api_client.post(f"/api/v1/offers/{offer.pk}/withdraw").status_code == 404


@pytest.mark.parametrize("fields,status,code", [
    ({"free_slots": ["tue_am", "tue_am"]}, 422, "free_times_invalid"),
    ({"free_slots": ["whenever"]}, 422, "free_times_invalid"),
    ({"description": "   "}, 422, "description_invalid"),
])
def test_a_bad_offer_is_refused_and_nothing_is_written(demand_world, api_client, fields, status, code):
    w = demand_world
    response = post_offer(api_client, w.volunteer, type_id=w.chat.pk, **fields)
    assert response.status_code == status and response.json()["code"] == code
    assert not Offer.objects.exists()
    # A kind of service of no bank (or another bank's) is not found.
    assert post_offer(api_client, w.volunteer, type_id=987654).status_code == 404


def test_staff_turn_an_offer_into_an_elder_paid_request_with_the_member_assigned_once(
        demand_world, api_client, clock, offer):
    w = demand_world
    grant_coins(w, w.elder, 300)
    first = ask(api_client, w.station_staff, offer, request_body(w, payer="elder"), key="form-1")
    assert first.status_code == 201, first.content
    demand = Demand.objects.get(pk=first.json()["id"])
    assert demand.status == "claimed" and demand.payer == "elder" and demand.elder == w.elder
    assignment = Assignment.objects.get(demand=demand)
    assert assignment.volunteer == w.volunteer and assignment.dispatched
    assert ledger.member_account(w.elder).available == 300 - 60  # held as for any elder-paid request
    assert selectors.demand_holds(demand).count() == 1

    again = ask(api_client, w.station_staff, offer, request_body(w, payer="elder"), key="form-1")  # double submit
    assert again.status_code == 200 and again.json()["id"] == demand.pk
    no_key = ask(api_client, w.station_staff, offer, request_body(w, payer="elder"))  # same elder, same start
    assert no_key.json()["id"] == demand.pk
    assert Demand.objects.count() == 1 and ledger.member_account(w.elder).available == 240
    assert list(OfferRequest.objects.values_list("demand_id", flat=True)) == [demand.pk]
    api_client.login_as(w.volunteer)
    assert api_client.get(f"/api/v1/offers/{offer.pk}").json()["request_ids"] == [demand.pk]


def test_a_read_permission_or_the_member_cannot_make_a_request_from_an_offer(demand_world, api_client, offer):
    w = demand_world
    for reader in (w.auditor, w.volunteer, w.volunteer2):
        api_client.login_as(reader)
        assert api_client.get(f"/api/v1/offers/{offer.pk}").status_code == 200  # they see it
        response = ask(api_client, reader, offer, request_body(w))
        assert response.status_code == 403, (reader, response.content)
    assert ask(api_client, w.other_station_staff, offer, request_body(w)).status_code == 404
    # Staff of the branch, with an elder of another branch: not found, nothing made.
    assert ask(api_client, w.branch_admin, offer, request_body(w, elder_id=w.other_elder.pk)).status_code == 404
    assert not Demand.objects.exists() and not OfferRequest.objects.exists()


def test_a_paused_or_withdrawn_offer_makes_no_request_and_only_the_member_resumes_it(demand_world, api_client, offer):
    w = demand_world
    api_client.login_as(w.volunteer)
    assert api_client.post(f"/api/v1/offers/{offer.pk}/pause").json()["status"] == "paused"
    response = ask(api_client, w.station_staff, offer, request_body(w))
    assert response.status_code == 409 and response.json()["code"] == "offer_closed"
    assert api_client.post(f"/api/v1/offers/{offer.pk}/resume").status_code == 403  # staff do not resume it
    api_client.login_as(w.volunteer)
    assert api_client.post(f"/api/v1/offers/{offer.pk}/resume").json()["status"] == "active"
    api_client.login_as(w.station_staff)
    assert api_client.post(f"/api/v1/offers/{offer.pk}/withdraw").json()["status"] == "withdrawn"
    api_client.login_as(w.volunteer)
    response = api_client.post(f"/api/v1/offers/{offer.pk}/resume")
    assert response.status_code == 409 and response.json()["code"] == "offer_closed"
    assert not Demand.objects.exists()


def test_the_pages_list_offers_and_staff_make_a_request_for_an_elder_found_by_search(demand_world, client, offer):
    w = demand_world
    client.force_login(w.volunteer2)  # a neighbour: the plain page, the name masked
    page = client.get("/demands/offers/").content.decode()
    assert "我会理发" in page and w.volunteer.name not in page
    client.force_login(w.station_staff)
    board = client.get("/demands/offers/board/", {"q": w.volunteer.name_initials}).content.decode()
    assert w.volunteer.name in board and "我会理发" in board
    form = client.get(f"/demands/offers/{offer.pk}/request/", {"elder_q": w.elder.name}).content.decode()
    assert f'value="{w.elder.pk}"' in form  # found by search, chosen from the matches
    day = tomorrow_at(10)
    data = {"elder": w.elder.pk, "day": day.date().isoformat(), "start": "10:00", "end": "11:00", "payer": "branch",
            "key": "page-token-1"}
    first = client.post(f"/demands/offers/{offer.pk}/request/", data)
    assert first.status_code == 302, first.content.decode()[:2000]
    second = client.post(f"/demands/offers/{offer.pk}/request/", data)  # the button pressed twice
    assert second.status_code == 302 and second["Location"] == first["Location"]
    demand = Demand.objects.get()
    assert demand.starts_at == day and demand.assignments.get().volunteer == w.volunteer
    assert Person.objects.get(pk=w.volunteer.pk).pk in {a.volunteer_id for a in demand.assignments.all()}
    # The member withdraws it from their page.
    client.force_login(w.volunteer)
    assert client.post(f"/demands/offers/{offer.pk}/status/", {"action": "withdraw"}).status_code == 302
    offer.refresh_from_db()
    assert offer.status == "withdrawn"
    assert dt.timedelta(0) <= demand.ends_at - demand.starts_at <= dt.timedelta(hours=1)
