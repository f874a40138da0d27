"""Complaints through the API: filed by a proxy, handled by the station, out of reach for another."""


def test_complaints_through_the_api(sw, api_client):
    w = sw
    proxy = api_client.login_as(w.proxy)
    filed = proxy.post("/api/v1/complaints", {"subject": "supplier", "category": "late", "text": "迟到一小时",
                                              "supplier_id": w.supplier.pk, "complainant_id": w.elder.pk},
                       content_type="application/json")
    assert filed.status_code == 201, filed.content
    cid = filed.json()["id"]
    staff = api_client.__class__().login_as(w.station_staff)
    assert staff.post(f"/api/v1/complaints/{cid}/accept", {}, content_type="application/json").json()["status"] == "accepted"
    resolved = staff.post(f"/api/v1/complaints/{cid}/resolve", {"outcome": "属实，已扣分", "upheld": True},
                          content_type="application/json")
    assert resolved.json()["status"] == "resolved"
    assert proxy.get("/api/v1/complaints").json()["items"][0]["outcome"] == "属实，已扣分"
    other = api_client.__class__().login_as(w.other_station_staff)
    assert other.post(f"/api/v1/complaints/{cid}/reject", {"reason": "x"},
                      content_type="application/json").status_code == 404
