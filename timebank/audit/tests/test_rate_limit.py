"""The doors anyone can knock at count attempts per address and window; over the limit they answer 429,
say so in plain words and do nothing. The clock is pinned to the start of a window: no test here depends
on the hour it runs at."""
import datetime as dt

import pytest

from timebank.audit.models import RateBucket
from timebank.audit.rate_limit import rate_buckets_purge
from timebank.conftest import new_id_number
from timebank.people.models import Person

WINDOW_START = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)  # 10:00 Asia/Shanghai, on a minute and an hour


@pytest.fixture
def pinned(clock):
    clock.at(WINDOW_START + dt.timedelta(seconds=5))
    return clock


def test_one_address_trying_many_accounts_is_stopped_at_the_limit_and_others_are_not(db, client, pinned, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sign_in": "3/60"}
    for n in range(3):
        answer = client.post("/login/", {"username": f"1390000{n:04d}", "password": "wrong"})
        assert answer.status_code == 200  # the form says the number or password is wrong
    refused = client.post("/login/", {"username": "13900000999", "password": "wrong"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 55
    assert "请稍等一会儿" in refused.content.decode()
    # Another address is not held back by the first one.
    assert client.post("/login/", {"username": "13900000998", "password": "wrong"},
                       REMOTE_ADDR="10.1.2.3").status_code == 200
    # The next window opens the door again.
    pinned.advance(seconds=60)
    assert client.post("/login/", {"username": "13900000997", "password": "wrong"}).status_code == 200


def test_the_token_endpoint_answers_429_in_the_error_shape(db, api_client, pinned, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sign_in": "2/60"}
    for _ in range(2):
        assert api_client.post("/api/v1/auth/token", {"username": "13900000001", "password": "wrong"},
                               content_type="application/json").status_code == 401
    answer = api_client.post("/api/v1/auth/token", {"username": "13900000001", "password": "wrong"},
                             content_type="application/json")
    assert answer.status_code == 429
    assert answer.json()["code"] == "rate_limited"
    assert answer.json()["detail"] == {"retry_after_seconds": 55}


def test_signups_over_the_limit_create_nobody(world, api_client, pinned, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sign_up": "1/3600"}

    def sign_up(n):
        return api_client.post("/api/v1/signup", {
            "name": f"新志愿者{n}", "mobile": f"1371234{n:04d}", "password": "Volunteer#2026",
            "id_number": new_id_number(dt.date(1990, 1, 1)), "station_id": world.station_a1.pk, "consent": True,
        }, content_type="application/json")

    assert sign_up(1).status_code == 201
    people = Person.objects.count()
    assert sign_up(2).status_code == 429
    assert Person.objects.count() == people
    page = api_client.post("/signup/", {"name": "王"})
    assert page.status_code == 429  # the page and the API share one count per address


def test_the_public_verification_pages_are_limited_on_reading(db, client, pinned, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "verify": "2/60"}
    assert [client.get("/ledger/verify/not-a-token/").status_code for _ in range(3)][-1] == 429


def test_housekeeping_forgets_windows_long_past(db, pinned):
    RateBucket.objects.create(scope="sign_in", client="10.0.0.1", window_start=WINDOW_START - dt.timedelta(days=2))
    RateBucket.objects.create(scope="sign_in", client="10.0.0.1", window_start=WINDOW_START)
    assert rate_buckets_purge() == 1
    assert list(RateBucket.objects.values_list("window_start", flat=True)) == [WINDOW_START]
