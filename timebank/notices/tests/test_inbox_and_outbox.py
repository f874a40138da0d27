"""Notices are written with the change they tell of, and the short messages go out from them (the
outbox): nothing is lost between the commit and the worker, nothing is sent twice, and everyone
reads only their own inbox."""
import pytest
from django.db import transaction

from timebank.lib.sms import LoggingSmsBackend, SmsResult
from timebank.notices import services
from timebank.notices.models import Notice, NoticeKind, SmsState

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_sms_yet():
    LoggingSmsBackend.sent = []


class UnreachableQueue:
    tried = 0

    def enqueue(self):
        UnreachableQueue.tried += 1
        raise ConnectionError("task queue unreachable")


def test_a_notice_is_in_the_inbox_as_soon_as_its_change_commits_even_if_the_worker_cannot_be_told(
        world, monkeypatch, django_capture_on_commit_callbacks):
    w = world
    monkeypatch.setattr("timebank.notices.tasks.dispatch_sms", UnreachableQueue())
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_send(people=[w.volunteer, w.volunteer, None], kind=NoticeKind.REMINDER, text="明天 9 点")
    assert UnreachableQueue.tried == 1
    notice = Notice.objects.get(person=w.volunteer)
    assert notice.sms == SmsState.PENDING  # the failed nudge lost nothing: the sweep finds it
    assert services.sms_dispatch() == 1
    assert LoggingSmsBackend.sent == [(w.volunteer.mobile, notice.sms_text)]
    assert services.sms_dispatch() == 0  # never twice
    notice.refresh_from_db()
    assert notice.sms == SmsState.SENT and notice.sms_sent_at is not None


def test_a_rolled_back_change_leaves_no_notice_and_sends_nothing(world):
    w = world
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notice_send(people=[w.volunteer], kind=NoticeKind.CANCELLED, text="取消")
        raise RuntimeError("the change failed")
    assert not Notice.objects.exists()
    assert services.sms_dispatch() == 0 and LoggingSmsBackend.sent == []


def test_a_refused_message_is_tried_again_and_then_marked_failed(world, monkeypatch):
    w = world
    services.notice_send(people=[w.volunteer], kind=NoticeKind.DISPATCHED)
    monkeypatch.setattr("timebank.notices.services.sms_send", lambda mobile, text, **kw: SmsResult(False, error="busy"))
    for _ in range(services.MAX_SMS_ATTEMPTS):
        assert services.sms_dispatch() == 0
    notice = Notice.objects.get()
    assert notice.sms == SmsState.FAILED and notice.sms_attempts == services.MAX_SMS_ATTEMPTS


def test_quiet_kinds_and_people_without_a_mobile_get_no_short_message(world):
    w = world
    services.notice_send(people=[w.volunteer], kind=NoticeKind.CREDITED)
    services.notice_send(people=[w.elder], kind=NoticeKind.REMINDER)  # the elder has no mobile
    assert set(Notice.objects.values_list("sms", flat=True)) == {SmsState.NONE}
    assert services.sms_dispatch() == 0


def test_everyone_reads_and_clears_only_their_own_inbox(world, client):
    w = world
    services.notice_send(people=[w.volunteer], kind=NoticeKind.CREDITED, text="志愿的消息",
                         subject=("demand", 7), link="/demands/7/", label="聊天慰问")
    services.notice_send(people=[w.proxy], kind=NoticeKind.CLAIMED, text="家属的消息")
    client.force_login(w.volunteer)
    page = client.get("/notices/").content.decode()
    assert "志愿的消息" in page and 'href="/demands/7/"' in page and "家属的消息" not in page
    api = client.get("/api/v1/notices").json()
    assert [n["text"] for n in api["items"]] == ["志愿的消息"]
    assert client.post("/api/v1/notices/read").json() == {"marked": 0}  # opening the page read it
    assert Notice.objects.get(person=w.proxy).read_at is None
