"""One pagination style: every list takes `cursor` and `limit` and answers `next_cursor` and `next`; following
`next` gives every row exactly once even while rows are added between pages; a cursor from another list or
edited by hand is a 422 `invalid_cursor`."""
import base64
import datetime as dt
import json

import pytest
from django.db.models import F
from django.test import RequestFactory

from timebank.api import api
from timebank.conftest import make_person
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, Transfer, TransferKind
from timebank.lib.pagination import Pages
from timebank.orgs.services import bank_rules_set
from timebank.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(world):
    bank_rules_set(actor=world.bank_admin, bank=world.bank, gift_recipients="any")
    world.volunteer_account = ledger.member_account(world.volunteer)
    ledger.transfer_post(debit=ledger.system_account(world.branch_a, AccountKind.ISSUANCE),
                         credit=world.volunteer_account, amount=600, kind=TransferKind.GRANT)
    return world


def donate(api_client, key):
    response = api_client.post("/api/v1/transfers", {"kind": "donation", "amount": 5},
                               content_type="application/json", headers={"Idempotency-Key": key})
    assert response.status_code == 201, response.content


def list_operations():
    doc = api.get_openapi_schema(path_prefix="/api/v1/")
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            answer = operation["responses"].get(200, {}).get("content", {}).get("application/json", {})
            ref = answer.get("schema", {}).get("$ref", "")
            if ref.startswith("#/components/schemas/Paged"):
                yield path, method, operation


def test_every_list_pages_by_cursor_and_none_by_page_number():
    seen = 0
    for path, _method, operation in list_operations():
        names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        assert {"cursor", "limit"} <= names, path
        assert not names & {"page", "page_size", "offset"}, path
        seen += 1
    assert seen >= 20  # people, demands, orgs, transfers, alerts, orders, …
    doc = api.get_openapi_schema(path_prefix="/api/v1/")
    transfers = doc["paths"]["/api/v1/accounts/{account_id}/transfers"]["get"]
    assert transfers["responses"][200]["content"]["application/json"]["schema"]["$ref"].startswith(
        "#/components/schemas/Paged")


def follow(api_client, url):
    rows, pages = [], 0
    while url:
        body = api_client.get(url).json()
        assert set(body) == {"items", "count", "next_cursor", "next"}, body
        rows += body["items"]
        url, pages = body["next"], pages + 1
        assert pages < 100
    return rows, pages


def test_following_next_gives_every_person_once_in_order(world, api_client):
    for i in range(7):
        make_person(world.station_a1, f"翻页{i}", is_elder=True)
    api_client.login_as(world.bank_admin)
    everyone = api_client.get("/api/v1/people?limit=200").json()
    rows, pages = follow(api_client, "/api/v1/people?limit=3")
    assert [r["id"] for r in rows] == [r["id"] for r in everyone["items"]]
    assert len(rows) == everyone["count"] and pages == -(-everyone["count"] // 3)


def test_next_keeps_the_other_filters(world, api_client):
    for i in range(5):
        make_person(world.station_a1, f"长者{i}", is_elder=True)
    api_client.login_as(world.bank_admin)
    first = api_client.get("/api/v1/people?limit=2&role=elder").json()
    assert "role=elder" in first["next"] and "limit=2" in first["next"]
    rows, _pages = follow(api_client, "/api/v1/people?limit=2&role=elder")
    assert {r["id"] for r in rows} == set(Person.objects.filter(is_elder=True).values_list("id", flat=True))


def test_rows_added_between_pages_neither_repeat_nor_hide_the_old_ones(funded, api_client):
    api_client.login_as(funded.volunteer)
    for i in range(6):
        donate(api_client, f"before{i}")
    account = funded.volunteer_account
    first = api_client.get(f"/api/v1/accounts/{account.pk}/transfers?limit=4").json()
    for i in range(3):  # newer rows arrive while the client reads page two
        donate(api_client, f"during{i}")
    rest, _pages = follow(api_client, first["next"])
    ids = [t["id"] for t in first["items"] + rest]
    assert len(ids) == len(set(ids)) == 6 + 1
    assert ids == sorted(ids, reverse=True)


@pytest.mark.parametrize("cursor", [
    "not-base64-at-all", "AAAA", base64.urlsafe_b64encode(b"[1,2]").decode().rstrip("="),
    base64.urlsafe_b64encode(b'["00000000",[{"t":"yesterday"},5]]').decode().rstrip("="),
    base64.urlsafe_b64encode(json.dumps(["x", [2**70]]).encode()).decode().rstrip("="),
])
def test_a_garbage_cursor_is_a_422_naming_the_cursor(world, api_client, cursor):
    api_client.login_as(world.bank_admin)
    response = api_client.get(f"/api/v1/people?cursor={cursor}")
    assert response.status_code == 422, response.content
    assert response.json()["detail"]["errors"][0]["loc"][-1] == "cursor"


def test_a_cursor_from_another_list_is_refused(world, api_client):
    for i in range(4):
        make_person(world.station_a1, f"别表{i}", is_elder=True)
    api_client.login_as(world.bank_admin)
    cursor = api_client.get("/api/v1/people?limit=1").json()["next_cursor"]
    response = api_client.get(f"/api/v1/orgs?cursor={cursor}")
    assert response.status_code == 422 and response.json()["detail"]["errors"][0]["type"] == "invalid_cursor"


def _page(queryset, cursor=None, limit=2):
    request = RequestFactory().get("/x")
    return Pages().paginate_queryset(queryset, Pages.Input(cursor=cursor, limit=limit), request)


def _walk(queryset, limit=2):
    rows, cursor = [], None
    while True:
        page = _page(queryset, cursor, limit)
        rows += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return rows


@pytest.mark.parametrize("ordering", [("expires_at",), ("-expires_at",), ("-expires_at", "amount"),
                                      ("amount", "-created_at")])
def test_keyset_walks_nullable_and_mixed_direction_orderings_row_by_row(funded, ordering):
    base = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    elder = ledger.member_account(funded.elder)
    for i, expiry in enumerate([None, base + dt.timedelta(days=3), None, base + dt.timedelta(days=1),
                                base + dt.timedelta(days=3), None]):
        if expiry is None:
            ledger.transfer_post(debit=funded.volunteer_account, credit=elder, amount=1 + i % 2,
                                 kind=TransferKind.GIFT)
        else:
            ledger.hold_create(debit=funded.volunteer_account, credit=elder, amount=1 + i % 2,
                               kind=TransferKind.GIFT, expires_at=expiry)
    queryset = Transfer.objects.order_by(*ordering)
    # The documented order on both databases: empty values last going up, first going down (SQLite by
    # itself puts them first going up), the id breaking ties in the last field's direction.
    terms = [F(o.lstrip("-")).desc(nulls_first=True) if o.startswith("-") else F(o).asc(nulls_last=True)
             for o in ordering]
    whole = [t.pk for t in queryset.order_by(*terms, "-pk" if ordering[-1].startswith("-") else "pk")]
    assert len(whole) == Transfer.objects.count() >= 7
    assert [t.pk for t in _walk(queryset)] == whole


def test_a_list_computed_in_python_pages_by_position():
    rows = list(range(7))
    request = RequestFactory().get("/x")
    first = Pages().paginate_queryset(rows, Pages.Input(limit=3), request)
    second = Pages().paginate_queryset(rows, Pages.Input(limit=3, cursor=first["next_cursor"]), request)
    third = Pages().paginate_queryset(rows, Pages.Input(limit=3, cursor=second["next_cursor"]), request)
    assert first["items"] + second["items"] + third["items"] == rows and third["next"] is None
