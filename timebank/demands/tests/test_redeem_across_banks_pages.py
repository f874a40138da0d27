"""跨区兑换 on the pages and the API: the elder's side books in another district (在其他区预约服务), and a
station's staff book for a visiting elder found by mobile number and ID card, seeing the name masked only."""
import datetime as dt

from django.utils import timezone

from timebank.demands.models import Demand, Payer
from timebank.ledger import services as ledger
from timebank.ledger.models import Transfer, TransferStatus
from timebank.orgs.services import bank_rules_set

from .conftest import grant_coins
from .test_redeem_across_banks import hongkou  # noqa: F401  (the second bank's fixture)


def _day() -> str:
    return str(timezone.localdate() + dt.timedelta(days=2))


def _held_in_elders_bank(w, demand):
    hold = Transfer.objects.get(subject_type="demands.demand", subject_id=str(demand.pk), status=TransferStatus.PENDING)
    return hold.bank_id == w.bank.pk


def test_a_proxy_books_in_another_district_on_the_page(demand_world, hongkou, client):  # noqa: F811
    w, h = demand_world, hongkou
    grant_coins(w, w.elder, 120)
    client.force_login(w.proxy)
    choose = client.get("/demands/requests/elsewhere/")
    assert choose.status_code == 200 and "虹口区" in choose.content.decode()
    assert f"?bank={h.bank.pk}" in choose.content.decode() and f"?bank={w.bank.pk}" not in choose.content.decode()
    form = client.get(f"/demands/requests/elsewhere/?bank={h.bank.pk}")
    assert form.status_code == 200 and "多伦路社区" in form.content.decode()
    booked = client.post("/demands/requests/elsewhere/", {
        "bank": h.bank.pk, "elder": w.elder.pk, "station": h.station.pk, "service_type": h.chat.pk, "day": _day(),
        "start": "09:00", "end": "10:00", "address": "多伦路 10 号"})
    assert booked.status_code == 302
    demand = Demand.objects.get(station=h.station)
    assert (demand.elder, demand.payer, demand.bank_id) == (w.elder, Payer.ELDER, h.bank.pk)
    assert _held_in_elders_bank(w, demand) and ledger.member_account(w.elder).available == 60


def test_the_page_offers_no_district_that_refuses_it(demand_world, hongkou, client):  # noqa: F811
    w, h = demand_world, hongkou
    bank_rules_set(actor=h.bank_admin, bank=h.bank, redeem_across_banks=False)
    client.force_login(w.proxy)
    assert "虹口区" not in client.get("/demands/requests/elsewhere/").content.decode()
    refused = client.post("/demands/requests/elsewhere/", {
        "bank": h.bank.pk, "elder": w.elder.pk, "station": h.station.pk, "service_type": h.chat.pk, "day": _day(),
        "start": "09:00", "end": "10:00"})
    assert refused.status_code == 422 and not Demand.objects.exists()


def test_the_api_lists_where_to_book_and_books_there(demand_world, hongkou, api_client):  # noqa: F811
    w, h = demand_world, hongkou
    grant_coins(w, w.elder, 120)
    api_client.login_as(w.proxy)
    banks = api_client.get("/api/v1/demands/elsewhere").json()
    assert [b["name"] for b in banks] == ["虹口区"]
    assert banks[0]["stations"][0]["id"] == h.station.pk
    assert h.chat.pk in [t["id"] for t in banks[0]["service_types"]]
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
    made = api_client.post("/api/v1/demands", {
        "station_id": h.station.pk, "service_type_id": h.chat.pk, "elder_id": w.elder.pk, "payer": "elder",
        "starts_at": starts.isoformat(), "ends_at": (starts + dt.timedelta(hours=1)).isoformat()},
        content_type="application/json")
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "published"
    assert _held_in_elders_bank(w, Demand.objects.get(pk=made.json()["id"]))
    # Paid by 虹口's branch for 杨浦's elder: refused with a code, nothing written.
    branch = api_client.post("/api/v1/demands", {
        "station_id": h.station.pk, "service_type_id": h.chat.pk, "elder_id": w.elder.pk, "payer": "branch",
        "starts_at": starts.isoformat(), "ends_at": (starts + dt.timedelta(hours=1)).isoformat()},
        content_type="application/json")
    assert branch.status_code == 422 and branch.json()["code"] == "other_bank_pays_with_coins"
    assert Demand.objects.count() == 1


def test_station_staff_book_for_a_visiting_elder_by_mobile_and_id_card_only(demand_world, hongkou,  # noqa: F811
                                                                            api_client):
    w, h = demand_world, hongkou
    w.elder.mobile = "13800000555"
    w.elder.save(update_fields=["mobile"])
    grant_coins(w, w.elder, 120)
    api_client.login_as(h.staff)
    wrong = api_client.post("/api/v1/demands/visitors", {"mobile": w.elder.mobile, "id_number": "110101194802030000"},
                            content_type="application/json")
    assert wrong.status_code == 404
    found = api_client.post("/api/v1/demands/visitors", {"mobile": w.elder.mobile,
                                                         "id_number": w.elder.plain_id_number},
                            content_type="application/json")
    assert found.status_code == 200
    assert found.json() == {"elder_id": w.elder.pk, "name": "张*明", "bank_id": w.bank.pk, "bank_name": "杨浦区"}
    # The record stays 杨浦's: 虹口's staff do not read it.
    assert api_client.get(f"/api/v1/people/{w.elder.pk}").status_code == 404
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
    body = {"station_id": h.station.pk, "service_type_id": h.chat.pk, "elder_id": w.elder.pk, "payer": "elder",
            "starts_at": starts.isoformat(), "ends_at": (starts + dt.timedelta(hours=1)).isoformat()}
    without_card = api_client.post("/api/v1/demands", body, content_type="application/json")
    bad_card = api_client.post("/api/v1/demands", {**body, "visitor_id_number": "110101194802030000"},
                               content_type="application/json")
    assert without_card.status_code == bad_card.status_code == 404 and not Demand.objects.exists()
    made = api_client.post("/api/v1/demands", {**body, "visitor_id_number": w.elder.plain_id_number},
                           content_type="application/json")
    assert made.status_code == 201, made.content
    assert _held_in_elders_bank(w, Demand.objects.get(pk=made.json()["id"]))
    # A member of 杨浦 (not staff anywhere) finds nobody this way.
    api_client.login_as(w.volunteer)
    assert api_client.post("/api/v1/demands/visitors", {"mobile": w.elder.mobile,
                                                        "id_number": w.elder.plain_id_number},
                           content_type="application/json").status_code == 404


def test_station_staff_find_then_book_a_visitor_on_the_page(demand_world, hongkou, client):  # noqa: F811
    w, h = demand_world, hongkou
    w.elder.mobile = "13800000555"
    w.elder.save(update_fields=["mobile"])
    grant_coins(w, w.elder, 120)
    client.force_login(h.staff)
    data = {"mobile": w.elder.mobile, "id_number": w.elder.plain_id_number, "station": h.station.pk,
            "service_type": h.chat.pk, "day": _day(), "start": "09:00", "end": "10:00", "address": "多伦路 10 号"}
    found = client.post("/demands/visitors/new/", {**data, "step": "find"})
    text = found.content.decode()
    assert found.status_code == 200 and "张*明" in text and "张晓明" not in text and "杨浦区" in text
    assert not Demand.objects.exists()
    booked = client.post("/demands/visitors/new/", {**data, "step": "book"})
    assert booked.status_code == 302
    demand = Demand.objects.get()
    assert (demand.elder, demand.station, demand.payer) == (w.elder, h.station, Payer.ELDER)
    assert _held_in_elders_bank(w, demand)
    unknown = client.post("/demands/visitors/new/", {**data, "id_number": "110101194802030000", "step": "book"})
    assert unknown.status_code == 422 and Demand.objects.count() == 1


def test_each_lookup_is_audited_in_the_elders_bank_and_guessing_is_cut_off(demand_world, hongkou,  # noqa: F811
                                                                           api_client, settings):
    from timebank.audit.models import AuditEvent

    w, h = demand_world, hongkou
    w.elder.mobile = "13800000555"
    w.elder.save(update_fields=["mobile"])
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "visitor_lookup": "3/3600"}
    api_client.login_as(h.staff)
    body = {"mobile": w.elder.mobile, "id_number": w.elder.plain_id_number}
    assert api_client.post("/api/v1/demands/visitors", body, content_type="application/json").status_code == 200
    found = AuditEvent.objects.get(action="demands.visitor_found")
    assert (found.bank_id, found.actor_id) == (w.bank.pk, h.staff.pk)
    guesses = [api_client.post("/api/v1/demands/visitors", {**body, "id_number": f"11010119480203{i:04d}"},
                               content_type="application/json").status_code for i in range(3)]
    assert guesses == [404, 404, 429]
    # Over the limit, even the right number is not looked up.
    assert api_client.post("/api/v1/demands/visitors", body, content_type="application/json").status_code == 429
    assert AuditEvent.objects.filter(action="demands.visitor_found").count() == 1


def test_booking_a_visitor_through_post_demands_counts_against_the_lookup_limit(demand_world, hongkou,  # noqa: F811
                                                                                api_client, settings):
    """POST /demands with a visitor's ID number is a lookup too (elder id + ID number): guesses there count
    against the same limit as /demands/visitors, so the card cannot be guessed through the booking."""
    w, h = demand_world, hongkou
    grant_coins(w, w.elder, 120)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "visitor_lookup": "3/3600"}
    api_client.login_as(h.staff)
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
    body = {"station_id": h.station.pk, "service_type_id": h.chat.pk, "elder_id": w.elder.pk, "payer": "elder",
            "starts_at": starts.isoformat(), "ends_at": (starts + dt.timedelta(hours=1)).isoformat()}
    guesses = [api_client.post("/api/v1/demands", {**body, "visitor_id_number": f"11010119480203{i:04d}"},
                               content_type="application/json").status_code for i in range(3)]
    assert guesses == [404, 404, 404]
    right = api_client.post("/api/v1/demands", {**body, "visitor_id_number": w.elder.plain_id_number},
                            content_type="application/json")
    assert right.status_code == 429 and not Demand.objects.exists()


def test_a_visitor_who_left_is_not_booked_by_id_card(demand_world, hongkou, api_client):  # noqa: F811
    from timebank.people.models import PersonStatus

    w, h = demand_world, hongkou
    grant_coins(w, w.elder, 120)
    w.elder.status = PersonStatus.MOVED
    w.elder.save(update_fields=["status"])
    api_client.login_as(h.staff)
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
    body = {"station_id": h.station.pk, "service_type_id": h.chat.pk, "elder_id": w.elder.pk, "payer": "elder",
            "starts_at": starts.isoformat(), "ends_at": (starts + dt.timedelta(hours=1)).isoformat(),
            "visitor_id_number": w.elder.plain_id_number}
    assert api_client.post("/api/v1/demands", body, content_type="application/json").status_code == 404
    assert not Demand.objects.exists()
