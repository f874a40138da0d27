"""A station or branch sends a message to a chosen group: the preview says how many it reaches and by
which way, sending writes one notice each (short messages when asked; the phoneless go on the call
list), a double click sends nothing twice, and another branch's people are out of reach."""
import uuid

import pytest

from timebank.broadcasts.models import Broadcast
from timebank.notices.models import Notice, NoticeKind, SmsState

pytestmark = pytest.mark.django_db


def body(w, **extra):
    return {"node_id": w.station_a1.pk, "audience": "elders", **extra}


def test_the_preview_says_how_many_and_by_which_way_and_sends_nothing(world, api_client):
    w = world
    api_client.login_as(w.station_staff)
    elders = api_client.post("/api/v1/broadcasts/preview", body(w), content_type="application/json").json()
    assert elders == {"people": 1, "sms": 0, "inbox_only": 0, "call_list": 1}  # 张晓明 has no phone
    volunteers = api_client.post("/api/v1/broadcasts/preview", body(w, audience="volunteers", by_sms=True),
                                 content_type="application/json").json()
    assert volunteers == {"people": 1, "sms": 1, "inbox_only": 0, "call_list": 0}
    assert not Notice.objects.exists() and not Broadcast.objects.exists()


def test_sending_writes_one_notice_each_and_the_phoneless_go_on_the_call_list(world, api_client):
    w = world
    api_client.login_as(w.branch_admin)
    sent = api_client.post("/api/v1/broadcasts", body(w, node_id=w.branch_a.pk, text="周六上午社区义诊，欢迎参加",
                                                      token=uuid.uuid4().hex), content_type="application/json")
    assert sent.status_code == 201 and sent.json()["recipients"] == 1 and sent.json()["call_list_count"] == 1
    notice = Notice.objects.get()
    assert (notice.person, notice.kind, notice.sms) == (w.elder, NoticeKind.BROADCAST, SmsState.NONE)
    api_client.login_as(w.station_staff)
    listed = api_client.get("/api/v1/call-list").json()["items"]
    assert [i["notice"]["text"] for i in listed] == ["周六上午社区义诊，欢迎参加"]


def test_a_short_message_goes_to_those_with_a_phone_when_asked(world, api_client):
    w = world
    api_client.login_as(w.station_staff)
    api_client.post("/api/v1/broadcasts", body(w, audience="volunteers", by_sms=True, text="明天集合",
                                               token=uuid.uuid4().hex), content_type="application/json")
    notice = Notice.objects.get(person=w.volunteer)
    assert notice.sms == SmsState.PENDING and notice.sms_text == "政立路社区: 明天集合"


def test_a_double_click_sends_once(world, api_client):
    w = world
    api_client.login_as(w.station_staff)
    token = uuid.uuid4().hex
    first = api_client.post("/api/v1/broadcasts", body(w, text="通知", token=token), content_type="application/json")
    again = api_client.post("/api/v1/broadcasts", body(w, text="通知", token=token), content_type="application/json")
    assert first.status_code == 201 and again.status_code == 409
    assert again.json()["code"] == "broadcast_already_sent"
    assert Broadcast.objects.count() == 1 and Notice.objects.count() == 1


def test_another_branch_is_out_of_reach_and_members_cannot_send(world, api_client):
    w = world
    api_client.login_as(w.station_staff)
    other = api_client.post("/api/v1/broadcasts", body(w, node_id=w.station_b1.pk, text="x", token=uuid.uuid4().hex),
                            content_type="application/json")
    assert other.status_code == 404
    api_client.login_as(w.volunteer)
    assert api_client.post("/api/v1/broadcasts/preview", body(w), content_type="application/json").status_code == 404
    assert not Notice.objects.exists()


@pytest.mark.parametrize("extra,code", [
    ({"audience": "team"}, "team_required"),
    ({"audience": "certificate"}, "course_required"),
    ({"audience": "everyone"}, "audience_invalid"),
    ({"audience": "certificate", "course_code": "no-such-course"}, "audience_empty"),
    ({"text": "   "}, "text_required"),
])
def test_a_message_that_cannot_go_says_why_and_sends_nothing(world, api_client, extra, code):
    w = world
    api_client.login_as(w.station_staff)
    refused = api_client.post("/api/v1/broadcasts", {**body(w, text="通知", token=uuid.uuid4().hex), **extra},
                              content_type="application/json")
    assert refused.status_code == 422 and refused.json()["code"] == code
    assert not Notice.objects.exists() and not Broadcast.objects.exists()


def test_the_page_previews_then_sends(world, client):
    w = world
    client.force_login(w.station_staff)
    form = {"node": w.station_a1.pk, "audience": "elders", "text": "下周一停水", "token": uuid.uuid4().hex}
    preview = client.post("/broadcasts/", {**form, "action": "preview"}).content.decode()
    assert 'id="broadcast-reach"' in preview and 'id="broadcast-send"' in preview
    assert not Broadcast.objects.exists()
    sent = client.post("/broadcasts/", {**form, "action": "send"})
    assert sent.status_code == 302 and Broadcast.objects.get().text == "下周一停水"
    assert "下周一停水" in client.get("/broadcasts/").content.decode()
    other = client.post("/broadcasts/", {**form, "node": w.station_b1.pk, "action": "send",
                                         "token": uuid.uuid4().hex})
    assert other.status_code == 422 and Broadcast.objects.count() == 1  # the picker offers only places in reach
