"""A database that cannot be reached gives the API a 503 `{code, message, detail}` and pages a
Chinese 503 page; any other crash a Chinese 500 page. Never a traceback or an English default."""
from django.db import OperationalError
from django.test import Client

from timebank.ledger import selectors as ledger_selectors


def _down(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def test_the_api_answers_503_json_when_the_database_is_down(world, api_client, monkeypatch):
    api_client.login_as(world.volunteer)
    monkeypatch.setattr(ledger_selectors, "accounts_of", _down)
    response = api_client.get("/api/v1/accounts/me")
    assert response.status_code == 503, response.content
    body = response.json()
    assert body["code"] == "database_unavailable" and body["message"] and body["detail"]["retry_after"] == 30
    assert response["Retry-After"] == "30"


def test_pages_answer_a_chinese_503_page_when_the_database_is_down(world, monkeypatch):
    from timebank.people import views

    monkeypatch.setattr(views, "render", _down)
    client = Client(raise_request_exception=False)
    client.force_login(world.volunteer)
    response = client.get("/")
    assert response.status_code == 503
    assert "系统暂时连不上数据库" in response.content.decode() and response["Retry-After"] == "30"


def test_any_other_crash_shows_the_chinese_500_page(world, monkeypatch, settings):
    from timebank.people import views

    def boom(*args, **kwargs):
        raise RuntimeError("a bug")

    settings.DEBUG = False
    monkeypatch.setattr(views, "render", boom)
    client = Client(raise_request_exception=False)
    client.force_login(world.volunteer)
    response = client.get("/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "出了点问题" in text and "Traceback" not in text
