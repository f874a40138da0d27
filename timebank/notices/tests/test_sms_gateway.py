"""Short messages leave through a real provider's API (Aliyun SMS, against a stand-in gateway on
loopback that checks the signature as Aliyun documents it), keep the provider's id or refusal, are
tried again when the gateway is busy, stop at a daily cap per person (never for alerts), and a
message whose worker died while sending it goes out again instead of being lost."""
import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import urllib.parse
import zoneinfo
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from timebank.notices import services
from timebank.notices.models import Notice, NoticeKind, SmsState

pytestmark = pytest.mark.django_db

SECRET = "testSecret"
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def documented_signature(params: dict[str, str]) -> str:
    """Aliyun's RPC signature, written out from its documentation (not from our module)."""
    def enc(value: str) -> str:
        return urllib.parse.quote(value, safe="").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")
    query = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()))
    digest = hmac.new(b"testSecret&", ("POST&%2F&" + enc(query)).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class Gateway(BaseHTTPRequestHandler):
    answers: list[dict] = []  # what to answer next (then OK)
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers["Content-Length"])
        params = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
        signature = params.pop("Signature", "")
        if signature != documented_signature(params):
            answer, status = {"Code": "SignatureDoesNotMatch"}, 400
        else:
            Gateway.received.append(params)
            answer = Gateway.answers.pop(0) if Gateway.answers else {"Code": "OK", "BizId": f"biz-{params['OutId']}"}
            status = 200 if answer["Code"] == "OK" else 400
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    Gateway.answers, Gateway.received = [], []
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.SMS_BACKEND = "timebank.lib.sms.AliyunSmsBackend"
    settings.SMS_ALIYUN = {"access_key_id": "testId", "access_key_secret": SECRET, "sign_name": "杨浦时间银行",
                           "endpoint": f"http://127.0.0.1:{server.server_port}/",
                           "templates": {"health_alert": "SMS_900001", "default": "SMS_900000"}}
    yield Gateway
    server.shutdown()
    server.server_close()


def test_it_sends_through_aliyun_with_a_valid_signature_and_keeps_the_providers_id(world, gateway):
    services.notice_send(people=[world.volunteer], kind=NoticeKind.REMINDER, sms_text="明天 9:00 陪同就医")
    services.notice_send(people=[world.volunteer], kind=NoticeKind.HEALTH_ALERT, sms_text="请回电")
    assert services.sms_dispatch() == 2
    first, second = gateway.received
    notice = Notice.objects.get(kind=NoticeKind.REMINDER)
    assert first["PhoneNumbers"] == world.volunteer.mobile and first["SignName"] == "杨浦时间银行"
    assert first["TemplateCode"] == "SMS_900000" and second["TemplateCode"] == "SMS_900001"
    assert json.loads(first["TemplateParam"]) == {"text": "明天 9:00 陪同就医"} and first["OutId"] == str(notice.pk)
    assert (notice.sms, notice.sms_provider_id, notice.sms_attempts) == (SmsState.SENT, f"biz-{notice.pk}", 1)
    assert services.sms_dispatch() == 0 and len(gateway.received) == 2  # never twice


def test_a_busy_gateway_is_tried_again_and_a_wrong_number_is_not(world, gateway):
    services.notice_send(people=[world.volunteer], kind=NoticeKind.REMINDER)
    services.notice_send(people=[world.proxy], kind=NoticeKind.REMINDER)
    gateway.answers = [{"Code": "isv.BUSINESS_LIMIT_CONTROL"}, {"Code": "isv.MOBILE_NUMBER_ILLEGAL"}]
    assert services.sms_dispatch() == 0
    busy, wrong = Notice.objects.order_by("id")
    assert (busy.sms, busy.sms_error, busy.sms_attempts) == (SmsState.PENDING, "isv.BUSINESS_LIMIT_CONTROL", 1)
    assert (wrong.sms, wrong.sms_error) == (SmsState.FAILED, "isv.MOBILE_NUMBER_ILLEGAL")
    assert services.sms_dispatch() == 1
    busy.refresh_from_db()
    assert busy.sms == SmsState.SENT and busy.sms_attempts == 2 and busy.sms_error == ""


def test_an_unreachable_gateway_loses_nothing(world, settings):
    settings.SMS_BACKEND = "timebank.lib.sms.AliyunSmsBackend"
    settings.SMS_ALIYUN = {"access_key_id": "x", "access_key_secret": "y", "sign_name": "z", "timeout": 2,
                           "endpoint": "http://127.0.0.1:9/", "templates": {"default": "SMS_1"}}
    services.notice_send(people=[world.volunteer], kind=NoticeKind.CANCELLED)
    assert services.sms_dispatch() == 0
    notice = Notice.objects.get()
    assert notice.sms == SmsState.PENDING and notice.sms_error.startswith("unreachable")


def test_a_kind_without_a_template_fails_at_once_instead_of_retrying(world, gateway, settings):
    settings.SMS_ALIYUN = {**settings.SMS_ALIYUN, "templates": {"health_alert": "SMS_900001"}}
    services.notice_send(people=[world.volunteer], kind=NoticeKind.REMINDER)
    assert services.sms_dispatch() == 0
    assert Notice.objects.get().sms_error == "no_template" and Notice.objects.get().sms == SmsState.FAILED
    assert gateway.received == []


def test_the_daily_cap_holds_back_new_request_and_group_messages_but_never_ones_about_your_task(
        world, settings, clock):
    settings.SMS_DAILY_CAP = 2
    clock.at(dt.datetime(2026, 12, 4, 23, 50, tzinfo=SHANGHAI))
    for n in range(3):
        services.notice_send(people=[world.volunteer], kind=NoticeKind.NEW_DEMAND, by_sms=True, sms_text=f"新需求 {n}")
    services.notice_send(people=[world.volunteer], kind=NoticeKind.REMINDER, sms_text="明天 9 点的任务")
    services.notice_send(people=[world.volunteer], kind=NoticeKind.HEALTH_ALERT, sms_text="血压")
    assert services.sms_dispatch() == 4
    states = dict(Notice.objects.values_list("sms_text", "sms"))
    assert states == {"新需求 0": "sent", "新需求 1": "sent", "新需求 2": "capped", "明天 9 点的任务": "sent",
                      "血压": "sent"}
    clock.at(dt.datetime(2026, 12, 5, 0, 10, tzinfo=SHANGHAI))  # a new day, Asia/Shanghai
    services.notice_send(people=[world.volunteer], kind=NoticeKind.BROADCAST, by_sms=True, sms_text="新的一天")
    assert services.sms_dispatch() == 1


def test_a_message_whose_worker_died_while_sending_goes_out_again_after_the_stale_limit(world, settings, clock):
    settings.SMS_SENDING_STALE_SECONDS = 300
    clock.at(dt.datetime(2026, 12, 4, 9, 0, tzinfo=SHANGHAI))
    services.notice_send(people=[world.volunteer], kind=NoticeKind.REMINDER)
    claimed = services._sms_claim(now=clock.now)  # the worker is killed here, before the gateway answers
    assert claimed.sms == SmsState.SENDING
    assert services.sms_dispatch(now=clock.now + dt.timedelta(seconds=299)) == 0  # it may still be sending
    assert services.sms_dispatch(now=clock.now + dt.timedelta(seconds=301)) == 1
    notice = Notice.objects.get()
    assert notice.sms == SmsState.SENT and notice.sms_attempts == 2


def test_a_message_whose_workers_keep_dying_stops_at_the_attempt_limit(world, settings, clock):
    settings.SMS_SENDING_STALE_SECONDS = 300
    clock.at(dt.datetime(2026, 12, 4, 9, 0, tzinfo=SHANGHAI))
    services.notice_send(people=[world.volunteer], kind=NoticeKind.REMINDER)
    Notice.objects.update(sms=SmsState.SENDING, sms_claimed_at=clock.now, sms_attempts=services.MAX_SMS_ATTEMPTS)
    assert services.sms_dispatch(now=clock.now + dt.timedelta(seconds=301)) == 0
    notice = Notice.objects.get()
    assert (notice.sms, notice.sms_error) == (SmsState.FAILED, "worker_lost_too_often")
