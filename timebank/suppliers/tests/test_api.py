from timebank.ledger import services as ledger
from timebank.suppliers.models import Supplier, SupplierOrder

from .conftest import in_a_year, new_code, tomorrow_at


def order_payload(w, **kw):
    return {"supplier_id": w.supplier.pk, "service_type_id": w.haircut.pk, "elder_id": w.elder.pk,
            "starts_at": tomorrow_at(10).isoformat(), "payment": "coins", **kw}


def test_booking_is_idempotent_and_the_supplier_fulfils_from_its_inbox(sw, api_client):
    w = sw
    api = api_client.login_as(w.proxy)
    first = api.post("/api/v1/supplier-orders", order_payload(w), content_type="application/json",
                     HTTP_IDEMPOTENCY_KEY="k1")
    again = api.post("/api/v1/supplier-orders", order_payload(w), content_type="application/json",
                     HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 201, first.content
    assert again.json()["id"] == first.json()["id"] and SupplierOrder.objects.count() == 1
    assert ledger.member_account(w.elder).available == 540
    order_id = first.json()["id"]
    staff = api_client.__class__().login_as(w.supplier_staff)
    assert [o["id"] for o in staff.get("/api/v1/supplier-orders").json()["items"]] == [order_id]
    assert staff.post(f"/api/v1/supplier-orders/{order_id}/accept").json()["status"] == "accepted"
    assert staff.post(f"/api/v1/supplier-orders/{order_id}/done").json()["status"] == "done"
    for _ in range(2):
        confirmed = api.post(f"/api/v1/supplier-orders/{order_id}/confirm", {"rating": 5},
                             content_type="application/json", HTTP_IDEMPOTENCY_KEY="c1")
        assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert ledger.member_account(w.elder).balance == 540
    score = staff.get(f"/api/v1/suppliers/{w.supplier.pk}/score").json()
    assert score["value"] == 101 and score["history"][0]["reason"] == "rating"


def test_supplier_staff_and_other_branches_get_404_for_what_is_not_theirs(sw, api_client):
    w = sw
    order = api_client.login_as(w.station_staff).post("/api/v1/supplier-orders", order_payload(w, payment="cash"),
                                                      content_type="application/json").json()
    other = api_client.__class__().login_as(w.other_supplier_staff)
    assert other.get(f"/api/v1/suppliers/{w.supplier.pk}").status_code == 404
    assert other.get(f"/api/v1/suppliers/{w.supplier.pk}/score").status_code == 404
    assert other.post(f"/api/v1/supplier-orders/{order['id']}/accept").status_code == 404
    assert other.get("/api/v1/supplier-orders").json()["items"] == []
    admin_b = api_client.__class__().login_as(w.other_branch_admin)
    assert admin_b.get(f"/api/v1/suppliers/{w.supplier.pk}").status_code == 404
    assert admin_b.post(f"/api/v1/suppliers/{w.supplier.pk}/suspend", {"reason": "x"},
                        content_type="application/json").status_code == 404
    assert [s["id"] for s in admin_b.get("/api/v1/suppliers").json()["items"]] == [w.other_supplier.pk]


def test_register_admit_suspend_remove_through_the_api(sw, api_client):
    w = sw
    api = api_client.login_as(w.branch_admin)
    bad = api.post("/api/v1/suppliers", {"node_id": w.branch_a.pk, "name": "坏码", "credit_code": "91350100M000100Y44",
                                         "contact_name": "某", "contact_phone": "13700000000"},
                   content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "credit_code_invalid"
    body = {"node_id": w.branch_a.pk, "name": "修脚坊", "credit_code": new_code(), "contact_name": "某",
            "contact_phone": "13700000000", "area_ids": [w.station_a1.pk],
            "licences": [{"kind": "营业执照", "number": "N1", "expires_on": in_a_year().isoformat()}],
            "offers": [{"service_type_id": w.haircut.pk, "price_fen": 2500}]}
    created = api.post("/api/v1/suppliers", body, content_type="application/json")
    assert created.status_code == 201, created.content
    sid = created.json()["id"]
    assert api.post(f"/api/v1/suppliers/{sid}/admit", {}, content_type="application/json").json()["status"] == "admitted"
    assert api.patch(f"/api/v1/suppliers/{sid}", {"contact_name": "钱"}, content_type="application/json"
                     ).json()["contact_name"] == "钱"
    assert api.post(f"/api/v1/suppliers/{sid}/suspend", {"reason": ""},
                    content_type="application/json").json()["code"] == "reason_required"
    assert api.post(f"/api/v1/suppliers/{sid}/remove", {"reason": "退出"},
                    content_type="application/json").json()["status"] == "removed"
    booked = api.post("/api/v1/supplier-orders", order_payload(w, supplier_id=sid), content_type="application/json")
    assert booked.status_code == 409 and booked.json()["code"] == "supplier_not_serving"
    assert Supplier.objects.get(pk=sid).status_changes.count() == 3
