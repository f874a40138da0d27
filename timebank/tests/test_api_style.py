"""The API works the same way everywhere: unknown fields are refused by name, malformed JSON has its own
code, every operation documents its error answers with the one error shape, and every time comes
with the +08:00 offset. Plus the staff operations that only pages offered before (password, volunteer
approval), through the same services."""
import datetime as dt
import json
import re

import pytest

from timebank.api import ERROR_ANSWERS, api
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, Transfer, TransferKind
from timebank.lib.resident_id import compose
from timebank.people.models import Person, VolunteerStatus
from timebank.people.services import person_register

pytestmark = pytest.mark.django_db
OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00$")


@pytest.fixture(scope="module")
def document():
    return api.get_openapi_schema(path_prefix="/api/v1/")


def _schemas_under(doc, node, seen):
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                _schemas_under(doc, doc["components"]["schemas"][name], seen)
        for value in node.values():
            _schemas_under(doc, value, seen)
    elif isinstance(node, list):
        for value in node:
            _schemas_under(doc, value, seen)
    return seen


def test_every_request_body_refuses_fields_it_does_not_know(document):
    bodies = set()
    for operations in document["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                _schemas_under(document, content["application/json"], bodies)
    assert len(bodies) > 30
    open_ones = [name for name in sorted(bodies) if document["components"]["schemas"][name].get("type") == "object"
                 and document["components"]["schemas"][name].get("additionalProperties") is not False]
    assert open_ones == []


def test_every_operation_documents_its_error_answers_with_the_error_shape(document):
    missing = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            answers = {str(status) for status in operation["responses"]}
            wanted = set(ERROR_ANSWERS)
            if not wanted <= answers:
                missing.append(f"{method.upper()} {path}: {sorted(wanted - answers)}")
    assert missing == []
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "message", "detail"]


def test_an_unknown_field_is_a_422_that_names_it_and_changes_nothing(world, api_client):
    ledger.transfer_post(debit=ledger.system_account(world.branch_a, AccountKind.ISSUANCE),
                         credit=ledger.member_account(world.volunteer), amount=120, kind=TransferKind.GRANT)
    api_client.login_as(world.volunteer)
    before = Transfer.objects.count()
    answer = api_client.post("/api/v1/transfers", {"kind": "gift", "amount": 30, "to_person_id": world.elder.pk,
                                                   "amout": 60}, content_type="application/json",
                             headers={"Idempotency-Key": "style-1"})
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "validation_error"
    assert [e["loc"][-1] for e in body["detail"]["errors"]] == ["amout"]
    assert body["detail"]["errors"][0]["type"] == "extra_forbidden"
    assert Transfer.objects.count() == before


def test_a_password_sent_where_none_is_read_is_refused_not_dropped(world, api_client):
    api_client.login_as(world.station_staff)
    answer = api_client.post("/api/v1/people", {"name": "新老人", "id_number": compose("310110", dt.date(1930, 1, 1), 7, "F"),
                                                "station_id": world.station_a1.pk, "is_elder": True, "consent": True,
                                                "password": "Elder#2026x"}, content_type="application/json")
    assert answer.status_code == 422 and answer.json()["detail"]["errors"][0]["loc"][-1] == "password"
    assert not Person.objects.filter(name="新老人").exists()


def test_malformed_json_has_its_own_code(world, api_client):
    api_client.login_as(world.volunteer)
    answer = api_client.post("/api/v1/transfers", "{not json", content_type="application/json")
    assert answer.status_code == 400 and answer.json()["code"] == "json_invalid"


def test_every_time_in_an_answer_carries_the_banks_offset(world, api_client):
    api_client.login_as(world.station_staff)
    person = api_client.get(f"/api/v1/people/{world.elder.pk}").json()
    assert OFFSET.match(person["created_at"]), person["created_at"]
    api_client.login_as(world.volunteer)
    me = api_client.get("/api/v1/me").json()
    times = re.findall(r'"(\d{4}-\d\d-\d\dT[^"]+)"', json.dumps(me))
    assert all(OFFSET.match(t) for t in times), times


def test_staff_read_a_persons_balance_through_their_account_id(world, api_client):
    ledger.transfer_post(debit=ledger.system_account(world.branch_a, AccountKind.ISSUANCE),
                         credit=ledger.member_account(world.elder), amount=90, kind=TransferKind.GRANT)
    api_client.login_as(world.station_staff)
    account_id = api_client.get(f"/api/v1/people/{world.elder.pk}").json()["time_account_id"]
    assert account_id == ledger.member_account(world.elder).pk
    assert api_client.get(f"/api/v1/accounts/{account_id}").json()["balance"] == 90


def test_staff_set_a_password_and_the_person_signs_in_with_it(world, api_client, client):
    api_client.login_as(world.station_staff)
    answer = api_client.post(f"/api/v1/people/{world.volunteer.pk}/password", {"new_password": "Helper#2026new"},
                             content_type="application/json")
    assert answer.status_code == 200, answer.content
    token = client.post("/api/v1/auth/token", {"username": world.volunteer.mobile, "password": "Helper#2026new"},
                        content_type="application/json")
    assert token.status_code == 200
    weak = api_client.post(f"/api/v1/people/{world.volunteer.pk}/password", {"new_password": "123"},
                           content_type="application/json")
    assert weak.status_code == 422 and weak.json()["code"] == "password_weak"


def _applicants(world, n):
    return [person_register(actor=None, station=world.station_a1.pk, is_volunteer=True, self_signup=True,
                            name=f"报名人{i}", mobile=f"1390000{7100 + i}", password="Volunteer#2026",
                            id_number=compose("310110", dt.date(1990, 1, 1 + i), 7, "F"), consent=True)
            for i in range(n)]


def test_volunteers_are_approved_one_by_one_or_all_at_once(world, api_client):
    first, second, third = _applicants(world, 3)
    api_client.login_as(world.station_staff)
    one = api_client.post(f"/api/v1/people/{first.pk}/volunteer-decision", {"approve": True},
                          content_type="application/json")
    assert one.status_code == 200 and one.json()["volunteer_status"] == VolunteerStatus.APPROVED
    again = api_client.post(f"/api/v1/people/{first.pk}/volunteer-decision", {"approve": False},
                            content_type="application/json")
    assert again.status_code == 409
    # A batch with one already decided changes nobody, and names who stopped it.
    batch = api_client.post("/api/v1/volunteer-decisions", {"person_ids": [second.pk, first.pk], "approve": True},
                            content_type="application/json")
    assert batch.status_code == 409 and batch.json()["detail"]["person_id"] == first.pk
    second.refresh_from_db()
    assert second.volunteer_status == VolunteerStatus.PENDING
    batch = api_client.post("/api/v1/volunteer-decisions", {"person_ids": [second.pk, third.pk], "approve": False},
                            content_type="application/json")
    assert batch.status_code == 200 and [p["volunteer_status"] for p in batch.json()] == ["rejected", "rejected"]
