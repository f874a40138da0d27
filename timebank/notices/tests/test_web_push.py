"""Web Push: a member's installed phone subscribes, and their notices reach it as push messages
encrypted to that browser's keys (decrypted here as the browser would, RFC 8291) and signed with the
site's VAPID key; a browser that unsubscribed (410) is forgotten; without VAPID keys nothing is sent."""
import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from timebank.notices import services
from timebank.notices.models import Notice, NoticeKind, PushState, PushSubscription

pytestmark = pytest.mark.django_db


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_of(key) -> str:
    return b64(key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))


class PushService(BaseHTTPRequestHandler):
    received: list[dict] = []
    answer = 201

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        PushService.received.append({"path": self.path, "body": body,
                                     "authorization": self.headers.get("Authorization", ""),
                                     "encoding": self.headers.get("Content-Encoding", "")})
        self.send_response(PushService.answer)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def push(settings):
    server_key = ec.generate_private_key(ec.SECP256R1())
    settings.VAPID_PRIVATE_KEY = b64(server_key.private_numbers().private_value.to_bytes(32, "big"))
    settings.VAPID_PUBLIC_KEY = public_of(server_key)
    settings.PUSH_ALLOW_HTTP = True
    server = HTTPServer(("127.0.0.1", 0), PushService)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    PushService.received, PushService.answer = [], 201
    browser = ec.generate_private_key(ec.SECP256R1())
    auth = os.urandom(16)
    yield {"browser": browser, "auth": auth, "url": f"http://127.0.0.1:{server.server_port}/push/phone-1",
           "subscription": {"endpoint": f"http://127.0.0.1:{server.server_port}/push/phone-1",
                            "keys": {"p256dh": public_of(browser), "auth": b64(auth)}}}
    server.shutdown()
    server.server_close()


def test_a_notice_reaches_the_subscribed_phone_encrypted_to_it(world, push, api_client):
    w = world
    api_client.login_as(w.volunteer)
    subscribed = api_client.post("/api/v1/me/push-subscriptions", push["subscription"], content_type="application/json")
    assert subscribed.status_code == 201
    services.notice_send(people=[w.volunteer], kind=NoticeKind.CREDITED, text="1 小时已记入")
    assert Notice.objects.get().push == PushState.PENDING
    assert services.push_dispatch() == 1 and services.push_dispatch() == 0
    sent = PushService.received[0]
    assert sent["path"] == "/push/phone-1" and sent["authorization"].startswith("vapid t=")
    assert "1 小时".encode() not in sent["body"]  # encrypted on the way
    message = json.loads(http_ece.decrypt(sent["body"], private_key=push["browser"], auth_secret=push["auth"],
                                          version="aes128gcm"))
    assert message["body"] == "1 小时已记入" and message["url"] == "/notices/"
    assert Notice.objects.get().push == PushState.SENT


def test_a_phone_that_unsubscribed_is_forgotten(world, push):
    w = world
    services.push_subscribe(actor=w.volunteer, endpoint=push["url"], **push["subscription"]["keys"])
    PushService.answer = 410
    services.notice_send(people=[w.volunteer], kind=NoticeKind.REMINDER, text="明天")
    assert services.push_dispatch() == 0
    assert not PushSubscription.objects.exists() and Notice.objects.get().push == PushState.FAILED


def test_the_inbox_button_subscribes_through_the_page_and_bad_keys_are_refused(world, push, client):
    client.force_login(world.volunteer)
    page = client.get("/notices/").content.decode()
    assert 'id="push-enable"' in page and 'rel="manifest"' in page
    added = client.post("/notices/push/subscribe", json.dumps(push["subscription"]), content_type="application/json")
    assert added.status_code == 201 and PushSubscription.objects.get().person == world.volunteer
    bad = client.post("/notices/push/subscribe", json.dumps({"endpoint": "ftp://x", "keys": {}}),
                      content_type="application/json")
    assert bad.status_code == 422 and PushSubscription.objects.count() == 1
    assert client.get("/sw.js")["Content-Type"].startswith("application/javascript")


def test_without_vapid_keys_nothing_is_queued_or_sent(world, settings):
    settings.VAPID_PRIVATE_KEY = settings.VAPID_PUBLIC_KEY = ""
    PushSubscription.objects.create(person=world.volunteer, endpoint="https://push.example/1", p256dh="x", auth="y")
    services.notice_send(people=[world.volunteer], kind=NoticeKind.REMINDER, text="明天")
    assert Notice.objects.get().push == PushState.NONE and services.push_dispatch() == 0


def test_a_notice_whose_worker_died_while_pushing_goes_out_again_after_the_stale_limit(world, push, settings, clock):
    import datetime as dt

    settings.PUSH_SENDING_STALE_SECONDS = 300
    PushSubscription.objects.create(person=world.volunteer, endpoint=push["url"],
                                    p256dh=push["subscription"]["keys"]["p256dh"], auth=push["subscription"]["keys"]["auth"])
    services.notice_send(people=[world.volunteer], kind=NoticeKind.CREDITED, text="1 小时已记入")
    # A worker claimed it and was killed before the push service answered.
    Notice.objects.update(push=PushState.SENDING, push_claimed_at=clock.now, push_attempts=1)
    assert services.push_dispatch(now=clock.now + dt.timedelta(seconds=299)) == 0  # it may still be sending
    assert PushService.received == [] and Notice.objects.get().push == PushState.SENDING
    assert services.push_dispatch(now=clock.now + dt.timedelta(seconds=301)) == 1
    notice = Notice.objects.get()
    assert (notice.push, notice.push_attempts) == (PushState.SENT, 2) and len(PushService.received) == 1


def test_a_notice_whose_push_workers_keep_dying_stops_at_the_attempt_limit(world, push, settings, clock):
    import datetime as dt

    settings.PUSH_SENDING_STALE_SECONDS = 300
    services.notice_send(people=[world.volunteer], kind=NoticeKind.CREDITED, text="1 小时已记入")
    Notice.objects.update(push=PushState.SENDING, push_claimed_at=clock.now, push_attempts=services.MAX_PUSH_ATTEMPTS)
    assert services.push_dispatch(now=clock.now + dt.timedelta(seconds=301)) == 0
    assert Notice.objects.get().push == PushState.FAILED and PushService.received == []


def test_a_stalled_worker_leaves_alone_a_notice_another_worker_took_over(world, push, monkeypatch, clock):
    import datetime as dt

    PushSubscription.objects.create(person=world.volunteer, endpoint=push["url"],
                                    p256dh=push["subscription"]["keys"]["p256dh"], auth=push["subscription"]["keys"]["auth"])
    services.notice_send(people=[world.volunteer], kind=NoticeKind.CREDITED, text="1 小时已记入")
    real_send = services.push_send

    def stalled(**kwargs):
        result = real_send(**kwargs)
        # Meanwhile, past the stale limit, another worker re-queued the notice and claimed it again.
        Notice.objects.update(push=PushState.SENDING, push_claimed_at=clock.now + dt.timedelta(minutes=10),
                              push_attempts=2)
        return result

    monkeypatch.setattr(services, "push_send", stalled)
    services.push_dispatch()
    notice = Notice.objects.get()
    assert (notice.push, notice.push_attempts) == (PushState.SENDING, 2)  # the newer claim records its own outcome
