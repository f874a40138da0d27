"""The API twins of the settlement, guaranteed-fulfilment, meetings and supplier-rules pages: the same
services, the same reach (another branch's record is a 404), bad input a 422 that changes nothing."""

import pytest
from django.utils import timezone

from timebank.suppliers import selectors, services
from timebank.suppliers.forms import SupplierRulesForm
from timebank.suppliers.models import GuaranteeOffer, Meeting, SettlementLine, SupplierOrder, SupplierRules

from .conftest import coin_demand, new_supplier

pytestmark = pytest.mark.django_db
JSON = "application/json"


def as_(api_client, person):
    return api_client.__class__().login_as(person)


@pytest.fixture
def offered(sw):
    """An elder-paid request nobody claimed, offered to 美发之家 and to a dearer rival of the same branch."""
    w = sw
    w.rival = new_supplier(w, "贵的理发", price=5000, staff_mobile="13700000103")
    w.demand = coin_demand(w)
    services.guarantee_offers_make()
    w.offer = GuaranteeOffer.objects.get(demand=w.demand, supplier=w.supplier)
    w.rival_offer = GuaranteeOffer.objects.get(demand=w.demand, supplier=w.rival)
    return w


def this_month() -> str:
    return f"{timezone.localdate():%Y-%m}"


# ---- guaranteed fulfilment --------------------------------------------------------------------------

def test_it_lists_the_open_offers_of_the_callers_supplier_only(offered, api_client):
    w = offered
    mine = as_(api_client, w.supplier_staff).get("/api/v1/guarantee-offers").json()
    assert [(o["id"], o["demand_id"], o["price_fen"], o["status"]) for o in mine["items"]] == [
        (w.offer.pk, w.demand.pk, 3000, "offered")]
    assert mine["items"][0]["station"] == w.station_a1.name and mine["items"][0]["service_type"] == w.haircut.name
    assert [o["id"] for o in as_(api_client, w.rival.staff).get("/api/v1/guarantee-offers").json()["items"]] == [
        w.rival_offer.pk]
    assert as_(api_client, w.other_supplier_staff).get("/api/v1/guarantee-offers").json()["items"] == []
    assert as_(api_client, w.branch_admin).get("/api/v1/guarantee-offers").json()["items"] == []


def test_the_supplier_takes_an_offer_once_and_its_rival_cannot_take_it(offered, api_client):
    w = offered
    staff = as_(api_client, w.supplier_staff)
    # Another supplier's offer, and staff who work for no supplier: as if it did not exist.
    assert staff.post(f"/api/v1/guarantee-offers/{w.rival_offer.pk}/take").status_code == 404
    assert as_(api_client, w.branch_admin).post(f"/api/v1/guarantee-offers/{w.offer.pk}/take").status_code == 404
    assert staff.post("/api/v1/guarantee-offers/999999/take").status_code == 404

    taken = staff.post(f"/api/v1/guarantee-offers/{w.offer.pk}/take")
    assert taken.status_code == 200, taken.content
    order = taken.json()
    assert (order["status"], order["demand_id"], order["supplier_id"], order["price_fen"]) == (
        "accepted", w.demand.pk, w.supplier.pk, 3000)
    assert GuaranteeOffer.objects.get(pk=w.offer.pk).status == "won"
    assert GuaranteeOffer.objects.get(pk=w.rival_offer.pk).status == "lost"
    assert staff.get("/api/v1/guarantee-offers").json()["items"] == []

    again = staff.post(f"/api/v1/guarantee-offers/{w.offer.pk}/take")
    assert again.status_code == 409 and again.json()["code"] == "already_taken"
    late = as_(api_client, w.rival.staff).post(f"/api/v1/guarantee-offers/{w.rival_offer.pk}/take")
    assert late.status_code == 409 and late.json()["code"] == "already_taken"
    assert SupplierOrder.objects.filter(demand=w.demand).count() == 1
    assert SettlementLine.objects.filter(order__demand=w.demand).count() == 1


# ---- settlement -------------------------------------------------------------------------------------

@pytest.fixture
def owed(offered):
    """美发之家 took the request: the guarantee fund owes it 30 yuan this month."""
    w = offered
    w.order = services.guarantee_accept(actor=w.supplier_staff, offer=w.offer)
    return w


def test_the_settlement_shows_the_month_and_its_manager_marks_it_paid(owed, api_client):
    w = owed
    url = f"/api/v1/suppliers/{w.supplier.pk}/settlement"
    admin = as_(api_client, w.branch_admin)
    report = admin.get(url, {"month": this_month()}).json()
    assert (report["supplier_id"], report["month"]) == (w.supplier.pk, this_month())
    assert (report["total_fen"], report["unpaid_fen"], report["coin_minutes"]) == (3000, 3000, w.order.coin_minutes)
    [line] = report["lines"]
    assert (line["order_id"], line["amount_fen"], line["service_type"], line["paid_at"]) == (
        w.order.pk, 3000, w.haircut.name, None)
    assert admin.get(url).json() == report  # no month: this month
    assert as_(api_client, w.supplier_staff).get(url, {"month": this_month()}).json()["total_fen"] == 3000
    assert admin.get(url, {"month": "2001-01"}).json()["lines"] == []

    paid = admin.post(f"{url}/paid", {"month": this_month()}, content_type=JSON)
    assert paid.status_code == 200, paid.content
    body = paid.json()
    assert (body["marked_paid"], body["total_fen"], body["unpaid_fen"]) == (1, 3000, 0)
    assert body["lines"][0]["paid_at"] is not None
    assert admin.get(url).json()["unpaid_fen"] == 0
    assert selectors.guarantee_fund_exposure(w.bank) == 0

    # Paying the month again pays nothing twice: the lines keep the moment they were paid.
    paid_at = SettlementLine.objects.get(order=w.order).paid_at
    again = admin.post(f"{url}/paid", {"month": this_month()}, content_type=JSON)
    assert again.status_code == 200 and again.json()["marked_paid"] == 0 and again.json()["unpaid_fen"] == 0
    assert SettlementLine.objects.get(order=w.order).paid_at == paid_at


def test_only_the_suppliers_managers_mark_paid_and_other_branches_see_nothing(owed, api_client):
    w = owed
    url = f"/api/v1/suppliers/{w.supplier.pk}/settlement"
    for person in (w.station_staff, w.supplier_staff, w.other_branch_admin):
        assert as_(api_client, person).post(f"{url}/paid", {"month": this_month()},
                                            content_type=JSON).status_code == 404
    assert as_(api_client, w.other_branch_admin).get(url).status_code == 404
    assert SettlementLine.objects.get(order=w.order).paid_at is None


@pytest.mark.parametrize("month", ["2025-13", "2025-00", "2025/03", "25-03", "march", "2025-3", ""])
def test_a_month_that_is_no_month_is_a_422_and_pays_nothing(owed, api_client, month):
    w = owed
    url = f"/api/v1/suppliers/{w.supplier.pk}/settlement"
    admin = as_(api_client, w.branch_admin)
    read = admin.get(url, {"month": month})
    assert read.status_code == 422 and read.json()["code"] == "validation_error"
    write = admin.post(f"{url}/paid", {"month": month}, content_type=JSON)
    assert write.status_code == 422 and write.json()["detail"]["errors"][0]["loc"][-1] == "month"
    assert SettlementLine.objects.get(order=w.order).paid_at is None


# ---- joint meetings ---------------------------------------------------------------------------------

def meeting_body(w, **kw):
    return {"held_on": str(timezone.localdate()), "title": "三季度联席会", "attendees": "街道、美发之家",
            "minutes": "讨论上门时间。\n下次月底再议。", "supplier_ids": [w.supplier.pk],
            "decisions": [{"text": "按时上门", "owner": "陈经理"}, {"text": "每月回访"}], **kw}


def test_a_manager_records_a_meeting_and_those_concerned_see_it(sw, api_client):
    w = sw
    admin = as_(api_client, w.branch_admin)
    created = admin.post("/api/v1/supplier-meetings", meeting_body(w), content_type=JSON)
    assert created.status_code == 201, created.content
    meeting = created.json()
    assert (meeting["title"], meeting["node_id"], meeting["supplier_ids"]) == ("三季度联席会", w.branch_a.pk,
                                                                               [w.supplier.pk])
    assert meeting["minutes"] == "讨论上门时间。\n下次月底再议。"
    assert [(d["text"], d["owner"]) for d in meeting["decisions"]] == [("按时上门", "陈经理"), ("每月回访", "—")]

    assert [m["id"] for m in admin.get("/api/v1/supplier-meetings").json()["items"]] == [meeting["id"]]
    assert [m["id"] for m in as_(api_client, w.supplier_staff).get("/api/v1/supplier-meetings").json()["items"]] == [
        meeting["id"]]
    assert as_(api_client, w.other_supplier_staff).get("/api/v1/supplier-meetings").json()["items"] == []
    assert as_(api_client, w.other_branch_admin).get("/api/v1/supplier-meetings").json()["items"] == []


def test_a_meeting_naming_another_branchs_supplier_or_recorded_without_the_right_is_refused(sw, api_client):
    w = sw
    other = as_(api_client, w.branch_admin).post(
        "/api/v1/supplier-meetings", meeting_body(w, supplier_ids=[w.supplier.pk, w.other_supplier.pk]),
        content_type=JSON)
    assert other.status_code == 404
    for person in (w.station_staff, w.supplier_staff, w.volunteer):
        assert as_(api_client, person).post("/api/v1/supplier-meetings", meeting_body(w),
                                            content_type=JSON).status_code == 404
    blank = as_(api_client, w.branch_admin).post("/api/v1/supplier-meetings", meeting_body(w, title="\u200b "),
                                                 content_type=JSON)
    assert blank.status_code == 422
    assert not Meeting.objects.exists()


# ---- the bank's supplier rules ----------------------------------------------------------------------

def test_the_rules_schema_has_the_fields_of_the_rules_page():
    from timebank.suppliers.schemas import SupplierRulesChange, SupplierRulesOut

    assert list(SupplierRulesChange.model_fields) == SupplierRulesForm._meta.fields
    assert set(SupplierRulesOut.model_fields) == {"bank_id", "effective_from", *SupplierRulesForm._meta.fields}


def test_the_bank_admin_changes_only_the_rules_sent(sw, api_client):
    w = sw
    admin = as_(api_client, w.bank_admin)
    before = admin.get("/api/v1/supplier-rules").json()
    assert (before["bank_id"], before["effective_from"], before["guarantee_hours"]) == (w.bank.pk, None, 24)

    changed = admin.patch("/api/v1/supplier-rules", {"guarantee_hours": 12, "score_late": -5, "trial_days": None},
                          content_type=JSON)
    assert changed.status_code == 200, changed.content
    after = changed.json()
    assert (after["guarantee_hours"], after["score_late"]) == (12, -5)
    assert after["effective_from"] is not None
    untouched = set(before) - {"guarantee_hours", "score_late", "effective_from"}
    assert {k: after[k] for k in untouched} == {k: before[k] for k in untouched}
    assert admin.get("/api/v1/supplier-rules").json() == after
    rules = selectors.supplier_rules_for(w.bank)
    assert (rules.guarantee_hours, rules.score_late, rules.trial_days, rules.created_by) == (12, -5, 90, w.bank_admin)


@pytest.mark.parametrize("body,code", [
    ({"trial_days": -1}, "validation_error"),
    ({"guarantee_hours": "soon"}, "validation_error"),
    ({"score_start": 2**40}, "validation_error"),
    ({"warn_below": 10}, "thresholds_invalid"),  # below the suspension line
    ({"guarantee_hours": 12, "guarantee_hourz": 6}, "validation_error"),
])
def test_a_bad_rule_is_a_422_and_changes_nothing(sw, api_client, body, code):
    w = sw
    admin = as_(api_client, w.bank_admin)
    answer = admin.patch("/api/v1/supplier-rules", body, content_type=JSON)
    assert answer.status_code == 422 and answer.json()["code"] == code
    assert not SupplierRules.objects.exists()
    assert admin.get("/api/v1/supplier-rules").json()["guarantee_hours"] == 24


def test_only_the_banks_rule_managers_see_or_change_the_supplier_rules(sw, api_client):
    w = sw
    for person in (w.branch_admin, w.station_staff, w.auditor, w.supplier_staff):
        api = as_(api_client, person)
        assert api.get("/api/v1/supplier-rules").status_code == 404
        assert api.patch("/api/v1/supplier-rules", {"guarantee_hours": 1}, content_type=JSON).status_code == 404
    assert not SupplierRules.objects.exists()


# ---- every body refuses a field it does not know ------------------------------------------------------

def test_an_unknown_field_is_a_422_that_names_it(owed, api_client):
    w = owed
    admin = as_(api_client, w.branch_admin)
    answers = [
        admin.post(f"/api/v1/suppliers/{w.supplier.pk}/settlement/paid", {"month": this_month(), "all": True},
                   content_type=JSON),
        admin.post("/api/v1/supplier-meetings", meeting_body(w, place="街道"), content_type=JSON),
        admin.post("/api/v1/supplier-meetings", meeting_body(w, decisions=[{"text": "x", "due": "2030-01-01"}]),
                   content_type=JSON),
        as_(api_client, w.bank_admin).patch("/api/v1/supplier-rules", {"trial_dayz": 30}, content_type=JSON),
    ]
    assert [a.status_code for a in answers] == [422] * 4
    assert [a.json()["detail"]["errors"][0]["loc"][-1] for a in answers] == ["all", "place", "due", "trial_dayz"]
    assert [a.json()["detail"]["errors"][0]["type"] for a in answers] == ["extra_forbidden"] * 4
    assert SettlementLine.objects.get(order=w.order).paid_at is None
    assert not Meeting.objects.exists() and not SupplierRules.objects.exists()
