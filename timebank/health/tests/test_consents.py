"""The elder decides which family member or helper sees their health values; staff record a signed
form; a proxy can stop seeing them; every change is audited once."""
from timebank.audit.models import AuditEvent
from timebank.health import services

from .conftest import bp


def test_the_elder_shares_with_a_proxy_in_the_page_and_stops_again(health_world, client, api_client):
    w = health_world
    services.readings_ingest(device=w.device, items=[bp(1, 150, 85)])
    proxy = api_client.login_as(w.proxy)
    assert proxy.get(f"/api/v1/people/{w.elder.pk}/readings").status_code in (403, 404)
    client.force_login(w.elder)
    page = client.get(f"/health/elders/{w.elder.pk}/consents")
    assert page.status_code == 200 and f'id="consent-{w.proxy.pk}"' in page.content.decode()
    url = f"/health/elders/{w.elder.pk}/consents"
    assert client.post(url, {"proxy_id": w.proxy.pk, "consent": "1"}).status_code == 302
    again = client.post(url, {"proxy_id": w.proxy.pk, "consent": "1"}, follow=True)
    assert [m.level_tag for m in again.context["messages"]][-1] == "info"
    assert AuditEvent.objects.filter(action="health.proxy_consent").count() == 1
    shared = proxy.get(f"/api/v1/people/{w.elder.pk}/readings")
    assert shared.status_code == 200
    assert [(r["systolic"], r["level"], bool(r["advice"])) for r in shared.json()["items"]] == [(150, "high", True)]
    client.post(url, {"proxy_id": w.proxy.pk, "consent": "0"})
    assert proxy.get(f"/api/v1/people/{w.elder.pk}/readings").status_code in (403, 404)
    assert AuditEvent.objects.filter(action="health.proxy_consent").count() == 2
    history = client.get(url).context["history"]
    assert [(h.recorded_by, h.withdrawn_by) for h in history] == [(w.elder, w.elder)]


def test_staff_record_a_signed_form_and_another_branch_gets_404(health_world, client, api_client):
    w = health_world
    client.force_login(w.station_staff)
    assert f'/health/elders/{w.elder.pk}/consents' in client.get(f"/health/elders/{w.elder.pk}/").content.decode()
    client.post(f"/health/elders/{w.elder.pk}/consents", {"proxy_id": w.proxy.pk, "consent": "1"})
    assert services.selectors.proxy_consents(w.elder, w.proxy)
    client.force_login(w.other_station_staff)
    assert client.get(f"/health/elders/{w.elder.pk}/consents").status_code == 404
    assert client.post(f"/health/elders/{w.elder.pk}/consents",
                       {"proxy_id": w.proxy.pk, "consent": "0"}).status_code == 404
    other = api_client.login_as(w.other_station_staff)
    assert other.get(f"/api/v1/people/{w.elder.pk}/health-consents").status_code == 404
    assert other.put(f"/api/v1/people/{w.elder.pk}/health-consents/{w.proxy.pk}", {"consent": False},
                     content_type="application/json").status_code == 404
    assert services.selectors.proxy_consents(w.elder, w.proxy)


def test_a_proxy_sees_only_their_own_line_and_may_withdraw_but_not_grant(health_world, api_client):
    w = health_world
    api = api_client.login_as(w.proxy)
    url = f"/api/v1/people/{w.elder.pk}/health-consents/{w.proxy.pk}"
    assert api.put(url, {"consent": True}, content_type="application/json").status_code == 404
    services.proxy_health_consent_set(actor=w.elder, elder=w.elder, proxy=w.proxy, consent=True)
    rows = api.get(f"/api/v1/people/{w.elder.pk}/health-consents").json()
    assert [(r["proxy_id"], r["shares"]) for r in rows] == [(w.proxy.pk, True)]
    assert api.put(url, {"consent": False}, content_type="application/json").json()[0]["shares"] is False
    assert api.put(f"/api/v1/people/{w.elder.pk}/health-consents/{w.volunteer.pk}", {"consent": False},
                   content_type="application/json").status_code == 404


def test_bad_consent_requests_are_4xx(health_world, api_client, client):
    w = health_world
    w.elder.mobile = "13800000099"
    w.elder.set_password(w.password)
    w.elder.save(update_fields=["mobile", "password"])
    api = api_client.login_as(w.elder)
    base = f"/api/v1/people/{w.elder.pk}/health-consents"
    not_proxy = api.put(f"{base}/{w.volunteer.pk}", {"consent": True}, content_type="application/json")
    assert (not_proxy.status_code, not_proxy.json()["code"]) == (422, "not_a_proxy")
    assert api.put(f"{base}/{2 ** 63}", {"consent": True}, content_type="application/json").status_code == 422
    assert api.put(f"{base}/{w.proxy.pk}", {"consent": "maybe"}, content_type="application/json").status_code == 422
    assert api.get(f"/api/v1/people/{w.volunteer.pk}/health-consents").status_code == 404
    client.force_login(w.elder)
    for data in ({"proxy_id": "x", "consent": "1"}, {"proxy_id": str(2 ** 70)}, {}):
        assert client.post(f"/health/elders/{w.elder.pk}/consents", data).status_code == 404
    client.force_login(w.volunteer)
    assert client.get(f"/health/elders/{w.elder.pk}/consents").status_code == 404
