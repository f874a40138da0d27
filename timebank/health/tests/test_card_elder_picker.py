"""Issuing a health card, the clerk finds the elder by name, pinyin initials or the last digits (never
by typing an internal number) and sees who was picked; an elder out of reach cannot be chosen."""
import pytest

from timebank.health.models import HealthCard

pytestmark = pytest.mark.django_db


def test_the_clerk_finds_the_elder_by_name_and_issues_the_card(health_world, client):
    w = health_world
    client.force_login(w.station_staff)
    found = client.get("/health/cards/elders/", {"elder_q": w.elder.name}).content.decode()
    assert f'value="{w.elder.pk}"' in found and w.elder.name in found
    assert "No one elder" not in found  # a card is always for one elder
    page = client.get("/health/cards/", {"elder_q": w.elder.name, "uid": "04CAFE01"}).content.decode()
    assert f'value="{w.elder.pk}"' in page and 'value="04CAFE01"' in page  # the search without JavaScript
    HealthCard.objects.filter(elder=w.elder).update(status="lost")
    response = client.post("/health/cards/", {"elder": w.elder.pk, "uid": "04CAFE01"})
    assert response.status_code == 302
    assert HealthCard.objects.filter(elder=w.elder, uid="04CAFE01", status="active").exists()


def test_an_elder_of_another_branch_cannot_be_picked(health_world, client):
    w = health_world
    client.force_login(w.station_staff)
    assert w.other_elder.name not in client.get("/health/cards/elders/", {"elder_q": w.other_elder.name}).content.decode()
    response = client.post("/health/cards/", {"elder": w.other_elder.pk, "uid": "04CAFE02"})
    assert response.status_code == 422 and not HealthCard.objects.filter(uid="04CAFE02").exists()


def test_the_alerts_pages_card_link_opens_for_a_branch_admin_and_is_not_shown_to_the_bank_admin(health_world, client):
    w = health_world
    client.force_login(w.branch_admin)
    assert 'href="/health/cards/"' in client.get("/health/").content.decode()
    assert client.get("/health/cards/").status_code == 200
    HealthCard.objects.filter(elder=w.elder).update(status="lost")
    assert client.post("/health/cards/", {"elder": w.elder.pk, "uid": "04CAFE03"}).status_code == 302
    assert client.post("/health/cards/", {"elder": w.other_elder.pk, "uid": "04CAFE04"}).status_code == 422
    client.force_login(w.bank_admin)  # sees the alerts' counts, issues no cards: no link to a 404
    assert client.get("/health/").status_code == 200
    assert 'href="/health/cards/"' not in client.get("/health/").content.decode()
