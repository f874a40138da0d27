"""`/metrics`: Prometheus reads the requests served and the figures an operator watches (the task queue, the
ledger's totals, unsealed transfers, open alerts, messages waiting), and nobody else reads anything there."""
import pytest
from django.db import DatabaseError
from prometheus_client.parser import text_string_to_metric_families

from timebank.ledger import chain
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind
from timebank.notices.models import Notice, NoticeKind, SmsState
from timebank.ops import metrics

TOKEN = "scrape-7c1e9d0a5b"
ELSEWHERE = "10.20.30.40"
EXPECTED = {
    "timebank_http_requests", "timebank_http_request_duration_seconds", "timebank_task_queue_depth",
    "timebank_task_oldest_ready_age_seconds", "timebank_heartbeat_age_seconds", "timebank_ledger_balance",
    "timebank_ledger_held", "timebank_ledger_unsealed_transfers", "timebank_health_alerts_open",
    "timebank_sms_waiting", "timebank_database_up",
}


def scrape(client, **extra) -> dict:
    """{metric name: {frozenset of labels: value}} of one scrape from this machine."""
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        found.setdefault(family.name, {})
        for sample in family.samples:
            found.setdefault(sample.name, {})[frozenset(sample.labels.items())] = sample.value
    return found


def value(found: dict, name: str, **labels) -> float:
    return found[name][frozenset(labels.items())]


@pytest.fixture
def no_token(settings):
    settings.TIMEBANK_METRICS_TOKEN = ""


@pytest.mark.django_db
def test_it_lists_every_metric_an_operator_watches(client, world, no_token):
    found = scrape(client)
    assert EXPECTED <= set(found)
    assert value(found, "timebank_database_up") == 1


@pytest.mark.django_db
def test_the_ledger_totals_follow_a_posted_transfer_until_it_is_sealed(client, world, clock, no_token):
    bank = str(world.bank.pk)
    before = scrape(client)["timebank_ledger_balance"]
    members, issuance = (before.get(frozenset({"bank": bank, "currency": "time", "kind": kind}.items()), 0)
                         for kind in ("member", "issuance"))
    ledger.transfer_post(debit=ledger.system_account(world.branch_a, AccountKind.ISSUANCE),
                         credit=ledger.member_account(world.volunteer), amount=90, kind="grant", actor=world.branch_admin)

    found = scrape(client)
    assert value(found, "timebank_ledger_balance", bank=bank, currency="time", kind="member") == members + 90
    assert value(found, "timebank_ledger_balance", bank=bank, currency="time", kind="issuance") == issuance - 90
    assert value(found, "timebank_ledger_unsealed_transfers", bank=bank) == 1

    clock.advance(seconds=30)
    chain.seal_all()
    assert value(scrape(client), "timebank_ledger_unsealed_transfers", bank=bank) == 0


@pytest.mark.django_db
def test_it_counts_short_messages_waiting_to_be_sent(client, world, no_token):
    Notice.objects.create(person=world.volunteer, bank=world.bank, kind=NoticeKind.REMINDER, sms=SmsState.PENDING,
                          sms_text="reminder")
    Notice.objects.create(person=world.volunteer, bank=world.bank, kind=NoticeKind.REMINDER, sms=SmsState.SENT)
    assert value(scrape(client), "timebank_sms_waiting") == 1


@pytest.mark.django_db
def test_requests_are_counted_by_url_pattern_name_never_by_path(client, world, no_token):
    client.force_login(world.station_staff)
    assert client.get(f"/people/{world.elder.pk}/").status_code == 200
    client.get("/healthz")
    found = scrape(client)
    assert value(found, "timebank_http_requests_total", method="GET", route="people:detail", status_class="2xx") >= 1
    assert value(found, "timebank_http_requests_total", method="GET", route="healthz", status_class="2xx") >= 1
    assert value(found, "timebank_http_request_duration_seconds_count", route="people:detail") >= 1
    routes = {dict(labels).get("route") for labels in found["timebank_http_requests_total"]}
    assert not any(route.startswith("/") or str(world.elder.pk) in route.split("/") for route in routes)


@pytest.mark.django_db
def test_a_database_that_does_not_answer_still_gives_a_page(client, world, no_token, monkeypatch):
    def down():
        raise DatabaseError("connection refused")

    monkeypatch.setattr(metrics, "database_families", down)
    found = scrape(client)
    assert value(found, "timebank_database_up") == 0
    assert "timebank_http_requests_total" in found


# ---- who may read it -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_without_a_token_only_this_machine_reads_it(client, world, no_token):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR=ELSEWHERE).status_code == 404
    # A signed-in bank admin from elsewhere is no scraper either.
    client.force_login(world.bank_admin)
    assert client.get("/metrics", REMOTE_ADDR=ELSEWHERE).status_code == 404


@pytest.mark.django_db
def test_a_request_a_proxy_forwarded_is_not_local(client, world, no_token):
    # A reverse proxy on this machine connects from 127.0.0.1 on behalf of the whole internet.
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.9").status_code == 404


@pytest.mark.django_db
def test_with_a_token_only_the_token_reads_it(client, world, settings):
    settings.TIMEBANK_METRICS_TOKEN = TOKEN
    assert client.get("/metrics", REMOTE_ADDR=ELSEWHERE, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR=ELSEWHERE, HTTP_AUTHORIZATION="Bearer wrong-token").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR=ELSEWHERE, HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR=ELSEWHERE, HTTP_AUTHORIZATION="Bearer 令牌").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR=ELSEWHERE).status_code == 404
    # Once a token is set, this machine needs it too.
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404
