"""A proxy link gives its proxy the elder's coins, requests and (with consent) health values, so
nobody makes one alone: station staff ask for it, and it acts only once the elder or a second staff
member confirms it. Staff never confirm a link that makes them the proxy, consent is never recorded
by the proxy for themselves, and whoever spends an elder's coins never pays themselves."""
import datetime as dt
import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from timebank.audit.models import AuditEvent
from timebank.conftest import make_person
from timebank.health import services as health
from timebank.health.models import ProxyHealthConsent
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, Transfer, TransferKind
from timebank.orgs.roles import Role
from timebank.orgs.services import bank_rules_set, role_grant
from timebank.people import selectors, services
from timebank.people.models import ProxyLink


def api(api_client, person):
    return api_client.__class__().login_as(person)


def coins_for(w, person, minutes):
    ledger.transfer_post(debit=ledger.system_account(w.branch_a, AccountKind.ISSUANCE),
                         credit=ledger.member_account(person), amount=minutes, kind=TransferKind.GRANT)


def balance(person) -> int:
    return ledger.member_account(person).balance


def ask(w, proxy, *, by=None, relation="child") -> ProxyLink:
    return services.proxy_link(actor=by or w.station_staff, elder=w.elder, proxy=proxy, relation=relation)


@pytest.fixture
def measured(world):
    """The elder has a blood-pressure reading, entered by medical staff."""
    w = world
    w.medic = make_person(w.station_a1, "五角场医生", mobile="13900000021")
    role_grant(actor=None, person=w.medic, role=Role.MEDICAL_STAFF, node=w.branch_a)
    health.reading_enter(actor=w.medic, elder=w.elder, item={
        "kind": "bp", "systolic": 151, "diastolic": 97, "measured_at": (timezone.now() - dt.timedelta(hours=1)).isoformat()})
    return w


def test_station_staff_who_link_themselves_wait_for_someone_else(world, client, api_client):
    w = world
    client.force_login(w.station_staff)
    client.post(f"/people/{w.elder.pk}/proxies/", {"mobile": w.station_staff.mobile, "relation": "child"})
    link = ProxyLink.objects.get(elder=w.elder, proxy=w.station_staff)
    assert link.is_pending and link.created_by == w.station_staff
    assert AuditEvent.objects.filter(action="proxy.requested", object_id=str(link.pk), actor=w.station_staff).exists()
    assert not selectors.elders_acted_for(w.station_staff).exists()
    assert not ProxyLink.objects.active().filter(proxy=w.station_staff).exists()

    client.post(f"/proxy-links/{link.pk}/confirm/")  # the page refuses, with a message
    response = api(api_client, w.station_staff).post(f"/api/v1/proxy-links/{link.pk}/confirm")
    assert response.status_code == 403 and response.json()["code"] == "proxy_confirm_own"
    link.refresh_from_db()
    assert link.is_pending and link.confirmed_by is None
    assert api(api_client, w.station_staff).get("/api/v1/me").json()["acts_for"] == []


def test_the_staff_member_who_asked_does_not_confirm_a_second_one_does(world, api_client):
    w = world
    staff = api(api_client, w.station_staff)
    created = staff.post("/api/v1/proxy-links", {"elder_id": w.elder.pk, "proxy_id": w.proxy.pk, "relation": "child"},
                         content_type="application/json")
    assert created.status_code == 201 and created.json()["status"] == "pending", created.content
    link_id = created.json()["id"]
    refused = staff.post(f"/api/v1/proxy-links/{link_id}/confirm")
    assert refused.status_code == 403 and refused.json()["code"] == "second_person_required"
    assert api(api_client, w.auditor).post(f"/api/v1/proxy-links/{link_id}/confirm").status_code == 404
    assert api(api_client, w.other_branch_admin).post(f"/api/v1/proxy-links/{link_id}/confirm").status_code == 404
    assert ProxyLink.objects.get(pk=link_id).is_pending
    assert api(api_client, w.proxy).get("/api/v1/me").json()["acts_for"] == []

    admin = api(api_client, w.branch_admin)
    assert [row["id"] for row in admin.get("/api/v1/proxy-links?status=pending").json()["items"]] == [link_id]
    confirmed = admin.post(f"/api/v1/proxy-links/{link_id}/confirm")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "active"
    assert confirmed.json()["confirmed_by_id"] == w.branch_admin.pk
    again = admin.post(f"/api/v1/proxy-links/{link_id}/confirm")
    assert again.status_code == 409 and again.json()["code"] == "proxy_not_pending"
    assert AuditEvent.objects.filter(action="proxy.confirmed", object_id=str(link_id), actor=w.branch_admin).exists()
    assert api(api_client, w.proxy).get("/api/v1/me").json()["acts_for"] == [w.elder.pk]


def test_the_queue_shows_staff_what_they_may_confirm_and_what_they_asked_for(world, client):
    w = world
    link = ask(w, w.proxy)
    client.force_login(w.branch_admin)
    page = client.get("/proxy-links/").content.decode()
    assert f"/proxy-links/{link.pk}/confirm/" in page
    assert re.search(r'href="/proxy-links/"><strong>[^<]*<span class="count">1</span>', client.get("/").content.decode())
    client.post(f"/proxy-links/{link.pk}/confirm/", {"next": f"/people/{w.elder.pk}/"})
    link.refresh_from_db()
    assert not link.is_pending and link.confirmed_by == w.branch_admin

    other = ask(w, w.volunteer)
    client.force_login(w.station_staff)
    page = client.get("/proxy-links/").content.decode()
    assert f"/proxy-links/{other.pk}/confirm/" not in page and w.volunteer.name in page  # asked for by them
    assert client.get(f"/people/{w.elder.pk}/").content.decode().count("/confirm/") == 0


def test_a_staff_proxy_never_reaches_the_elders_health_values_alone(measured, api_client):
    w = measured
    link = ask(w, w.station_staff)
    staff = api(api_client, w.station_staff)
    consent_url = f"/api/v1/people/{w.elder.pk}/health-consents/{w.station_staff.pk}"
    response = staff.put(consent_url, {"consent": True}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "consent_by_self"
    # A second staff member cannot record it either while the link waits for confirmation.
    response = api(api_client, w.branch_admin).put(consent_url, {"consent": True}, content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "not_a_proxy"
    assert not ProxyHealthConsent.objects.exists()
    readings = staff.get(f"/api/v1/people/{w.elder.pk}/readings")
    assert readings.status_code == 403 and "151" not in readings.content.decode()

    # Confirmed by a second person, the link still does not let the proxy record their own consent.
    services.proxy_confirm(actor=w.branch_admin, link=link)
    response = staff.put(consent_url, {"consent": True}, content_type="application/json")
    assert response.status_code == 403 and not ProxyHealthConsent.objects.exists()
    assert staff.get(f"/api/v1/people/{w.elder.pk}/readings").status_code == 403

    # The elder's signed form, recorded by another staff member: now the values show.
    response = api(api_client, w.branch_admin).put(consent_url, {"consent": True}, content_type="application/json")
    assert response.status_code == 200, response.content
    readings = staff.get(f"/api/v1/people/{w.elder.pk}/readings")
    assert readings.status_code == 200 and readings.json()["items"][0]["systolic"] == 151


def test_staff_never_gift_an_elders_coins_to_themselves(world, api_client):
    w = world
    coins_for(w, w.elder, 120)
    bank_rules_set(actor=w.bank_admin, bank=w.bank, gift_recipients="any")
    staff = api(api_client, w.station_staff)
    body = {"kind": "gift", "amount": 60, "from_person_id": w.elder.pk, "to_person_id": w.station_staff.pk}
    response = staff.post("/api/v1/transfers", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="g1")
    assert response.status_code == 403 and response.json()["code"] == "gift_to_actor", response.content
    assert (balance(w.elder), balance(w.station_staff)) == (120, 0)
    assert not Transfer.objects.filter(kind=TransferKind.GIFT).exists()


def test_a_confirmed_proxy_never_gifts_the_elders_coins_to_themselves(world, api_client, client):
    w = world
    coins_for(w, w.elder, 120)
    for proxy in (w.station_staff, w.proxy):  # a staff member who is also family, and a family member
        services.proxy_confirm(actor=w.branch_admin, link=ask(w, proxy))
        body = {"kind": "gift", "amount": 60, "from_person_id": w.elder.pk, "to_person_id": proxy.pk}
        response = api(api_client, proxy).post("/api/v1/transfers", body, content_type="application/json",
                                               HTTP_IDEMPOTENCY_KEY="g2")
        assert response.status_code == 403 and response.json()["code"] == "gift_to_actor", response.content
    client.force_login(w.proxy)
    page = client.get(f"/ledger/people/{w.elder.pk}/gift/")
    assert page.status_code == 200 and f'value="{w.proxy.pk}"' not in page.content.decode()
    assert (balance(w.elder), balance(w.station_staff), balance(w.proxy)) == (120, 0, 0)
    # The elder's coins still go where the elder wants: to another relative, or to the pool.
    response = api(api_client, w.proxy).post("/api/v1/transfers", {"kind": "donation", "amount": 30,
                                                                   "from_person_id": w.elder.pk},
                                             content_type="application/json", HTTP_IDEMPOTENCY_KEY="d1")
    assert response.status_code == 201 and balance(w.elder) == 90


def test_a_pending_proxy_cannot_spend_the_elders_coins(world, api_client):
    w = world
    coins_for(w, w.elder, 120)
    link = ask(w, w.proxy)
    proxy = api(api_client, w.proxy)
    body = {"kind": "donation", "amount": 60, "from_person_id": w.elder.pk}
    response = proxy.post("/api/v1/transfers", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="p1")
    assert response.status_code == 404 and balance(w.elder) == 120
    services.proxy_confirm(actor=w.branch_admin, link=link)
    response = proxy.post("/api/v1/transfers", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="p2")
    assert response.status_code == 201 and balance(w.elder) == 60


def test_the_elder_confirms_or_declines_on_their_own_home_page(world, client):
    w = world
    w.elder.mobile = "13800000031"
    w.elder.set_password(w.password)
    w.elder.save()
    wanted, unwanted = ask(w, w.proxy), ask(w, w.volunteer, relation="neighbour")
    client.force_login(w.elder)
    home = client.get("/").content.decode()
    assert f"/proxy-links/{wanted.pk}/confirm/" in home and f"/proxy-links/{unwanted.pk}/decline/" in home
    client.post(f"/proxy-links/{wanted.pk}/confirm/")
    client.post(f"/proxy-links/{unwanted.pk}/decline/")
    wanted.refresh_from_db()
    unwanted.refresh_from_db()
    assert wanted.confirmed_by == w.elder and wanted.revoked_at is None
    assert unwanted.revoked_at is not None and unwanted.confirmed_at is None
    assert AuditEvent.objects.filter(action="proxy.declined", object_id=str(unwanted.pk), actor=w.elder).exists()
    assert list(selectors.elders_acted_for(w.proxy)) == [w.elder]
    assert not selectors.elders_acted_for(w.volunteer).exists()
    # The proxy cannot answer for the elder.
    third = ask(w, w.branch_admin, relation="social_worker")
    client.force_login(w.branch_admin)
    assert client.post(f"/proxy-links/{third.pk}/decline/").status_code == 404
    client.post(f"/proxy-links/{third.pk}/confirm/")
    third.refresh_from_db()
    assert third.is_pending


def test_the_database_refuses_a_link_confirmed_by_its_proxy_or_by_whoever_asked(world):
    w = world
    assert ProxyLink.objects.create(bank=w.bank, proxy=w.volunteer, elder=w.elder, relation="child").confirmed_at
    own, asked = ask(w, w.station_staff), ask(w, w.proxy)
    for link, confirmer in ((own, w.station_staff), (asked, w.station_staff)):
        with pytest.raises(IntegrityError), transaction.atomic():
            ProxyLink.objects.filter(pk=link.pk).update(confirmed_by=confirmer, confirmed_at=timezone.now())
    ProxyLink.objects.filter(pk=asked.pk).update(confirmed_by=w.branch_admin, confirmed_at=timezone.now())
    # An elder who asked for a link themselves (a staff member who is also an elder) may confirm it.
    ProxyLink.objects.create(bank=w.bank, proxy=w.branch_admin, elder=w.elder, relation="relative",
                             created_by=w.elder, confirmed_by=w.elder)


@pytest.mark.django_db(transaction=True)
def test_links_made_before_confirmation_existed_stay_in_force(world):
    w = world
    made = timezone.now() - dt.timedelta(days=300)
    link = ProxyLink.objects.create(bank=w.bank, proxy=w.proxy, elder=w.elder, relation="child", created_at=made,
                                    created_by=w.station_staff)
    executor = MigrationExecutor(connection)
    executor.migrate([("people", "0002_volunteer_since")])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    link.refresh_from_db()
    assert link.confirmed_at == made and link.confirmed_by is None
    assert list(selectors.elders_acted_for(w.proxy)) == [w.elder]
