"""Cards for many volunteers at once: staff filter and tick volunteers, each without a card gets one,
and one A4 PDF holds all the cards; pressing twice issues nothing twice."""
import uuid

import pytest

from timebank.audit.models import AuditEvent
from timebank.conftest import make_person
from timebank.people.models import Person
from timebank.tests.printed import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def cw(world):
    w = world
    w.v2 = make_person(w.station_a1, "王二", mobile="13800000021", is_volunteer=True, volunteer_status="approved")
    w.v3 = make_person(w.station_a2, "赵三", mobile="13800000022", is_volunteer=True, volunteer_status="approved")
    w.pending = make_person(w.station_a1, "钱待审", mobile="13800000023", is_volunteer=True,
                            volunteer_status="pending")
    w.other = make_person(w.station_b1, "孙长白", mobile="13800000024", is_volunteer=True, volunteer_status="approved")
    return w


def tags(*people):
    return [Person.objects.get(pk=p.pk).tag_id for p in people]


def test_the_page_lists_approved_volunteers_without_a_card_in_reach(cw, client):
    w = cw
    client.force_login(w.branch_admin)
    page = client.get("/people/cards/").content.decode()
    assert all(name in page for name in ("李志愿", "王二", "赵三")) and "钱待审" not in page and "孙长白" not in page
    by_station = client.get("/people/cards/", {"station": w.station_a2.pk, "approved": "on",
                                               "without_card": "on"}).content.decode()
    assert "赵三" in by_station and "王二" not in by_station


def test_staff_issue_many_cards_and_get_one_pdf_and_a_second_press_issues_nothing(cw, client):
    w = cw
    client.force_login(w.branch_admin)
    token = uuid.uuid4().hex
    data = {"token": token, "person": [w.volunteer.pk, w.v2.pk, w.v3.pk]}
    first = client.post("/people/cards/", data)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    issued = tags(w.volunteer, w.v2, w.v3)
    assert all(issued) and len(set(issued)) == 3
    text = pdf_text(first.content)
    for name, tag in zip(("李志愿", "王二", "赵三"), issued, strict=True):
        assert name in text and tag in text
    assert "政立路社区" in text and "国权路社区" in text
    again = client.post("/people/cards/", data)
    assert again.status_code == 200 and tags(w.volunteer, w.v2, w.v3) == issued
    assert AuditEvent.objects.filter(action="person.tag_set").count() == 3
    listed = client.get("/people/cards/").content.decode()
    assert "王二" not in listed  # they have a card now


def test_a_card_holder_keeps_their_card_in_a_new_batch(cw, api_client):
    w = cw
    api = api_client.login_as(w.station_staff)
    first = api.post("/api/v1/people/cards", {"person_ids": [w.volunteer.pk]}, content_type="application/json")
    assert first.status_code == 200, first.content
    card = first.json()[0]["tag_id"]
    second = api.post("/api/v1/people/cards", {"person_ids": [w.volunteer.pk, w.v2.pk]},
                      content_type="application/json")
    assert second.status_code == 200 and {c["tag_id"] for c in second.json()} == {card, tags(w.v2)[0]}
    assert tags(w.volunteer) == [card]


def test_the_api_replays_the_same_idempotency_key(cw, api_client):
    w = cw
    api = api_client.login_as(w.branch_admin)
    body = {"person_ids": [w.v2.pk, w.v3.pk]}
    first = api.post("/api/v1/people/cards", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="c1")
    again = api.post("/api/v1/people/cards", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="c1")
    assert first.json() == again.json() and AuditEvent.objects.filter(action="person.tag_set").count() == 2


def test_a_pending_volunteer_or_another_branchs_stops_the_whole_batch(cw, api_client):
    w = cw
    api = api_client.login_as(w.branch_admin)
    pending = api.post("/api/v1/people/cards", {"person_ids": [w.v2.pk, w.pending.pk]}, content_type="application/json")
    assert pending.status_code == 422 and pending.json()["code"] == "not_a_volunteer"
    assert pending.json()["detail"]["person_id"] == w.pending.pk
    other = api.post("/api/v1/people/cards", {"person_ids": [w.v2.pk, w.other.pk]}, content_type="application/json")
    assert other.status_code == 404
    assert tags(w.v2, w.pending, w.other) == ["", "", ""]


@pytest.mark.parametrize("body", [{"person_ids": []}, {"person_ids": ["x"]}, {}, {"person_ids": [1], "more": 1}])
def test_bad_input_is_refused_and_nothing_is_issued(cw, api_client, body):
    w = cw
    answer = api_client.login_as(w.branch_admin).post("/api/v1/people/cards", body, content_type="application/json")
    assert answer.status_code == 422
    assert not Person.objects.exclude(tag_id="").exists()


def test_read_only_roles_cannot_issue_cards(cw, api_client, client):
    w = cw
    for actor in (w.auditor, w.volunteer):
        answer = api_client.__class__().login_as(actor).post("/api/v1/people/cards", {"person_ids": [w.v2.pk]},
                                                             content_type="application/json")
        assert answer.status_code == 404
        client.force_login(actor)
        assert client.post("/people/cards/", {"token": "t", "person": [w.v2.pk]}).status_code == 404
    assert tags(w.v2) == [""]


def test_the_page_without_ticks_or_token_issues_nothing(cw, client):
    w = cw
    client.force_login(w.branch_admin)
    assert client.post("/people/cards/", {"token": "t"}).status_code == 302
    assert client.post("/people/cards/", {"person": [w.v2.pk]}).status_code == 302
    assert tags(w.v2) == [""]
