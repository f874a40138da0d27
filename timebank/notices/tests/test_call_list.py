"""The station's call list: an elder with no phone of their own (or whose short message failed) is
phoned by a clerk, who sees whom to ring and records what came of it; other branches' people stay out
of reach, and the list prints on A4 for stations that work on paper."""
import pytest

from timebank.audit.models import AuditEvent
from timebank.notices import services
from timebank.notices.models import Notice, NoticeCall, NoticeKind, SmsState
from timebank.people.models import ProxyLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def told(world):
    w = world
    w.elder.emergency_contact_name, w.elder.emergency_contact_phone = "邻居王阿姨", "021-65430000"
    w.elder.save(update_fields=["emergency_contact_name", "emergency_contact_phone"])
    ProxyLink.objects.create(bank=w.bank, proxy=w.proxy, elder=w.elder, relation="child")
    services.notice_send(people=[w.elder], kind=NoticeKind.REMINDER, text="明天上午九点理发")
    services.notice_send(people=[w.other_elder], kind=NoticeKind.CANCELLED, text="长白的取消")
    services.notice_send(people=[w.volunteer], kind=NoticeKind.REMINDER, text="有手机的志愿者")
    w.notice = Notice.objects.get(person=w.elder)
    return w


def test_the_clerk_sees_whom_to_ring_for_an_elder_without_a_phone(told, client):
    w = told
    client.force_login(w.station_staff)
    page = client.get("/notices/calls/").content.decode()
    assert "张晓明" in page and "明天上午九点理发" in page
    assert "021-65430000" in page and w.proxy.mobile in page  # the neighbour and the daughter
    assert "长白的取消" not in page and "有手机的志愿者" not in page  # another branch; someone with a phone
    event = AuditEvent.objects.get(action="notice.call_list_viewed")
    assert event.actor == w.station_staff and event.changes["people"] == [w.elder.pk]


def test_no_answer_keeps_it_on_the_list_and_reached_settles_it(told, client):
    w = told
    client.force_login(w.station_staff)
    client.post(f"/notices/calls/{w.notice.pk}/", {"outcome": "no_answer", "note": "没人接"})
    page = client.get("/notices/calls/").content.decode()
    assert "明天上午九点理发" in page and "没人接" in page
    client.post(f"/notices/calls/{w.notice.pk}/", {"outcome": "reached"})
    w.notice.refresh_from_db()
    assert w.notice.read_at is not None and w.notice.called_at is not None
    assert "明天上午九点理发" not in client.get("/notices/calls/").content.decode()
    assert list(NoticeCall.objects.values_list("outcome", flat=True)) == ["no_answer", "reached"]


def test_a_settled_call_or_a_made_up_outcome_changes_nothing(told, api_client):
    w = told
    api_client.login_as(w.station_staff)
    url = f"/api/v1/call-list/{w.notice.pk}/calls"
    refused = api_client.post(url, {"outcome": "maybe"}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["code"] == "outcome_invalid"
    assert not NoticeCall.objects.exists()
    first = api_client.post(url, {"outcome": "wrong_number", "note": "空号"}, content_type="application/json")
    assert first.status_code == 201 and first.json()["outcome"] == "wrong_number"
    again = api_client.post(url, {"outcome": "reached"}, content_type="application/json")
    assert again.status_code == 404  # settled: no longer on the list
    assert NoticeCall.objects.count() == 1


def test_another_branch_and_members_cannot_reach_the_call(told, api_client):
    w = told
    api_client.login_as(w.other_station_staff)
    assert api_client.post(f"/api/v1/call-list/{w.notice.pk}/calls", {"outcome": "reached"},
                           content_type="application/json").status_code == 404
    api_client.login_as(w.volunteer)
    assert api_client.get("/api/v1/call-list").status_code == 404
    assert not NoticeCall.objects.exists()


def test_a_failed_short_message_puts_a_member_with_a_phone_on_the_list(told, api_client):
    w = told
    Notice.objects.filter(person=w.volunteer).update(sms=SmsState.FAILED, sms_error="isv.MOBILE_NUMBER_ILLEGAL")
    api_client.login_as(w.station_staff)
    items = api_client.get("/api/v1/call-list").json()["items"]
    assert [i["person_name"] for i in items] == ["张晓明", "李志愿"]
    assert {"name": "邻居王阿姨", "number": "021-65430000"} in items[0]["phones"]
    assert items[0]["notice"]["text"] == "明天上午九点理发" and items[1]["phones"][0]["number"] == w.volunteer.mobile


def test_the_call_list_prints_on_a4(told, client):
    client.force_login(told.station_staff)
    response = client.get("/notices/calls.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) > 2000
