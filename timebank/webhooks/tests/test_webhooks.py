"""Webhooks end to end: a bank admin registers a receiver, domain events become signed deliveries
that reach a real HTTP server on loopback, failures are retried on the backoff, a receiver that stays
down is given up, and only bank admins see or change any of it."""
import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from timebank.demands import services as demands
from timebank.demands.services.housekeeping import demands_expire
from timebank.demands.tests.conftest import new_demand, serve
from timebank.webhooks import services
from timebank.webhooks.models import Delivery, DeliveryStatus, Endpoint


class Receiver:
    """An HTTP server on 127.0.0.1 that records each POST and answers the next status in `answers`."""

    def __init__(self, answers=()):
        self.answers, self.received = list(answers), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/timebank"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_PLAIN_HTTP_HOSTS = ["127.0.0.1"]  # the tests run as production does (DEBUG off)
    r = Receiver()
    yield r
    r.close()


def register(api_client, w, url, events=("demand.unfilled", "service.confirmed")):
    api_client.login_as(w.bank_admin)
    answer = api_client.post("/api/v1/webhooks", {"url": url, "events": list(events)}, content_type="application/json")
    assert answer.status_code == 201, answer.content
    return answer.json()


def verify(secret: str, headers: dict, body: bytes) -> bool:
    """What a receiver does: recompute the signature from the raw body and its time."""
    parts = dict(p.split("=", 1) for p in headers["Timebank-Signature"].split(","))
    want = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, parts["v1"])


def test_an_unfilled_request_reaches_the_receiver_signed(demand_world, api_client, clock, receiver):
    w = demand_world
    created = register(api_client, w, receiver.url)
    assert created["secret"].startswith("whsec_") and "secret" not in api_client.get("/api/v1/webhooks").json()["items"][0]
    demand = new_demand(w)
    demands_expire(now=demand.starts_at + dt.timedelta(minutes=1))
    delivery = Delivery.objects.get()  # written in the expiry's own transaction
    assert delivery.event == "demand.unfilled" and delivery.status == DeliveryStatus.PENDING
    assert services.deliver_due() == {"delivered": 1}
    (headers, body), = receiver.received
    assert verify(created["secret"], headers, body)
    assert not verify("whsec_another", headers, body)
    sent = json.loads(body)
    assert sent["id"] == str(delivery.id) == headers["Timebank-Delivery"]
    assert sent["event"] == "demand.unfilled" and sent["data"]["demand_id"] == demand.pk
    assert sent["data"]["starts_at"].endswith("+08:00")
    log = api_client.get(f"/api/v1/webhooks/{created['id']}/deliveries").json()["items"]
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in log] == [("delivered", 1, 200)]


def test_a_confirmed_service_is_sent_once_per_endpoint(demand_world, api_client, clock, receiver):
    w = demand_world
    register(api_client, w, receiver.url)
    demand = new_demand(w)
    assignment = serve(w, clock, demand, w.volunteer, minutes=45)
    demands.assignment_confirm(actor=w.elder, assignment=assignment, rating=5)
    services.deliver_due()
    services.deliver_due()
    (headers, body), = receiver.received
    data = json.loads(body)["data"]
    assert headers["Timebank-Event"] == "service.confirmed"
    assert (data["assignment_id"], data["served_minutes"], data["credited_minutes"]) == (assignment.pk, 45, 45)


def test_a_failing_receiver_is_retried_on_the_backoff_then_given_up(demand_world, api_client, clock, receiver):
    w = demand_world
    receiver.answers = [500, 503]
    register(api_client, w, receiver.url)
    demand = new_demand(w)
    now = demand.starts_at + dt.timedelta(minutes=1)
    demands_expire(now=now)
    assert services.deliver_due(now=now) == {"pending": 1}
    delivery = Delivery.objects.get()
    assert (delivery.attempts, delivery.last_status_code) == (1, 500)
    assert delivery.next_attempt_at == now + dt.timedelta(seconds=services.BACKOFF[0])
    assert services.deliver_due(now=now + dt.timedelta(seconds=59)) == {}  # not due yet
    assert services.deliver_due(now=now + dt.timedelta(seconds=61)) == {"pending": 1}  # 503
    assert services.deliver_due(now=now + dt.timedelta(hours=1)) == {"delivered": 1}
    assert len(receiver.received) == 3 and len({h["Timebank-Delivery"] for h, _ in receiver.received}) == 1

    receiver.close()  # the receiver is down from now on
    second = new_demand(w, starts_at=demand.starts_at + dt.timedelta(hours=2))
    later = second.starts_at + dt.timedelta(minutes=1)
    demands_expire(now=later)
    for day in range(10):
        services.deliver_due(now=later + dt.timedelta(days=day))
    given_up = Delivery.objects.get(subject=f"demand:{second.pk}")
    assert given_up.status == DeliveryStatus.FAILED and given_up.attempts == services.MAX_ATTEMPTS
    assert given_up.last_status_code is None and given_up.last_error


def test_a_removed_endpoint_gets_nothing(demand_world, api_client, clock, receiver):
    w = demand_world
    created = register(api_client, w, receiver.url)
    assert api_client.delete(f"/api/v1/webhooks/{created['id']}").status_code == 204
    assert api_client.get("/api/v1/webhooks").json()["items"] == []
    demand = new_demand(w)
    demands_expire(now=demand.starts_at + dt.timedelta(minutes=1))
    assert Delivery.objects.count() == 0 and receiver.received == []
    assert api_client.get(f"/api/v1/webhooks/{created['id']}/deliveries").status_code == 404


def test_only_bank_admins_see_or_register_endpoints_and_bad_input_changes_nothing(demand_world, api_client, receiver):
    w = demand_world
    created = register(api_client, w, receiver.url)
    for url, code in (("ftp://example.org/x", "url_invalid"), ("not a url", "url_invalid")):
        answer = api_client.post("/api/v1/webhooks", {"url": url, "events": ["alert.opened"]},
                                 content_type="application/json")
        assert answer.status_code == 422 and answer.json()["code"] == code
    answer = api_client.post("/api/v1/webhooks", {"url": receiver.url, "events": ["coins.minted"]},
                             content_type="application/json")
    assert answer.status_code == 422
    for person in (w.branch_admin, w.station_staff, w.auditor, w.volunteer):
        api_client.login_as(person)
        assert api_client.get("/api/v1/webhooks").json()["items"] == []
        assert api_client.get(f"/api/v1/webhooks/{created['id']}/deliveries").status_code == 404
        assert api_client.delete(f"/api/v1/webhooks/{created['id']}").status_code == 404
        assert api_client.post("/api/v1/webhooks", {"url": receiver.url, "events": ["alert.opened"]},
                               content_type="application/json").status_code == 404
    assert Endpoint.objects.filter(active=True).count() == 1


def test_production_sends_over_https_only_unless_the_host_is_listed(demand_world, settings):
    w = demand_world
    settings.DEBUG = False
    with pytest.raises(Exception, match="https"):
        services.endpoint_create(actor=w.bank_admin, bank=w.bank, url="http://10.1.2.3/hook", events=["alert.opened"])
    settings.WEBHOOK_PLAIN_HTTP_HOSTS = ["10.1.2.3"]
    endpoint, _secret = services.endpoint_create(actor=w.bank_admin, bank=w.bank, url="http://10.1.2.3/hook",
                                                 events=["alert.opened"])
    assert endpoint.pk
