"""The bank admin keeps the service catalogue, on the page and through the API; nobody else reaches it."""
import pytest

from timebank.demands.models import ServiceType

pytestmark = pytest.mark.django_db


def test_the_bank_admin_lists_edits_and_adds_service_types(demand_world, client):
    w = demand_world
    client.force_login(w.bank_admin)
    assert "/demands/types/" in client.get("/").content.decode()
    page = client.get("/demands/types/").content.decode()
    assert "chat_visit" in page and "/demands/types/chat_visit/" in page

    form = client.get("/demands/types/chat_visit/")
    assert form.status_code == 200 and 'name="code"' not in form.content.decode()
    response = client.post("/demands/types/chat_visit/", {
        "name": "上门陪聊", "name_en": "Home chat", "category": "emotional", "mode": "one_to_one",
        "default_minutes": 90, "rate_percent": 150, "points_per_hour": 12, "required_certificate": "",
        "is_active": "on"})
    assert response.status_code == 302
    chat = ServiceType.objects.get(bank=w.bank, code="chat_visit")
    assert (chat.name, chat.default_minutes, chat.rate_percent, chat.points_per_hour) == ("上门陪聊", 90, 150, 12)

    response = client.post("/demands/types/new/", {
        "code": "garden_help", "name": "上门理发", "name_en": "Haircut at home", "category": "assistance",
        "mode": "one_to_one", "default_minutes": 45, "rate_percent": 100, "points_per_hour": 10,
        "required_certificate": "gardening", "is_active": "on"})
    assert response.status_code == 302
    assert ServiceType.objects.get(bank=w.bank, code="garden_help").required_certificate == "gardening"


def test_a_taken_code_or_a_bad_rate_is_shown_on_the_form(demand_world, client):
    w = demand_world
    client.force_login(w.bank_admin)
    response = client.post("/demands/types/new/", {
        "code": "chat_visit", "name": "重复", "category": "emotional", "mode": "one_to_one",
        "default_minutes": 60, "rate_percent": 100, "points_per_hour": 10})
    assert response.status_code == 200 and "has-error" in response.content.decode()
    assert ServiceType.objects.get(bank=w.bank, code="chat_visit").name != "重复"
    response = client.post("/demands/types/chat_visit/", {
        "name": "x", "category": "emotional", "mode": "one_to_one", "default_minutes": 60, "rate_percent": 0,
        "points_per_hour": 10})
    assert response.status_code == 200
    assert ServiceType.objects.get(bank=w.bank, code="chat_visit").rate_percent == 100


def test_staff_without_the_catalogue_role_get_404(demand_world, client):
    w = demand_world
    for person in (w.branch_admin, w.station_staff, w.volunteer):
        client.force_login(person)
        assert client.get("/demands/types/").status_code == 404
        assert client.get("/demands/types/chat_visit/").status_code == 404
        assert "/demands/types/" not in client.get("/").content.decode()


def test_the_api_adds_and_changes_types_for_bank_admins_only(demand_world, api_client):
    w = demand_world
    body = {"code": "garden_help", "name": "上门理发", "category": "assistance", "default_minutes": 45,
            "rate_percent": 100, "points_per_hour": 10}
    api_client.login_as(w.branch_admin)
    assert api_client.post("/api/v1/service-types", body, content_type="application/json").status_code == 404
    assert api_client.patch("/api/v1/service-types/chat_visit", {"rate_percent": 200},
                            content_type="application/json").status_code == 404

    api_client.login_as(w.bank_admin)
    response = api_client.post("/api/v1/service-types", body, content_type="application/json")
    assert response.status_code == 201 and response.json()["code"] == "garden_help"
    again = api_client.post("/api/v1/service-types", body, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "service_type_code_taken"

    response = api_client.patch("/api/v1/service-types/chat_visit", {"rate_percent": 200, "is_active": False},
                                content_type="application/json")
    assert response.status_code == 200 and response.json()["rate_percent"] == 200
    assert response.json()["is_active"] is False
    bad = api_client.patch("/api/v1/service-types/chat_visit", {"category": "gardening"},
                           content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "service_type_invalid"
    assert bad.json()["detail"]["errors"]["category"]
    assert api_client.patch("/api/v1/service-types/chat_visit", {"rate_percent": 0},
                            content_type="application/json").status_code == 422
    assert api_client.patch("/api/v1/service-types/nope", {"rate_percent": 120},
                            content_type="application/json").status_code == 404
    assert ServiceType.objects.get(bank=w.bank, code="chat_visit").rate_percent == 200
