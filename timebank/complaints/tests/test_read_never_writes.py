"""The auditor reads every supplier order and service record in the bank (suppliers.view,
demands.view) and files no complaint about them (a complaint can end in a suspension or a coin
correction): refused, and nothing is filed."""
import datetime as dt

from timebank.complaints.models import Complaint
from timebank.demands import services as demands
from timebank.suppliers.tests.test_read_never_writes import done_coin_order

from .conftest import tomorrow_at


def test_the_auditor_files_no_complaint_about_an_order_they_only_read(sw, api_client):
    w = sw
    order = done_coin_order(w)
    auditor = api_client.login_as(w.auditor)
    response = auditor.post("/api/v1/complaints", {"subject": "supplier", "category": "late", "text": "迟到",
                                                   "order_id": order.pk, "severity": "major"},
                            content_type="application/json")
    assert response.status_code == 404, response.content
    assert not Complaint.objects.exists()


def test_the_auditor_files_no_complaint_about_a_service_record_they_only_read(sw, api_client, clock):
    w = sw
    start = tomorrow_at(9)
    demand = demands.demand_create(actor=w.station_staff, station=w.station_a1, service_type=w.cleaning,
                                   starts_at=start, ends_at=start + dt.timedelta(hours=1), elder=w.elder,
                                   address="政立路 100 弄 3 号")
    demands.demand_publish(actor=w.station_staff, demand=demand)
    clock.at(start + dt.timedelta(hours=2))
    record = demands.service_record_paper(actor=w.station_staff, demand=demand, volunteer=w.volunteer,
                                          started_at=start, ended_at=start + dt.timedelta(hours=1),
                                          reason="老人没有手机，纸质签到")
    auditor = api_client.login_as(w.auditor)
    assert auditor.get(f"/api/v1/demands/{demand.pk}").status_code == 200  # the auditor does read it
    response = auditor.post("/api/v1/complaints", {"subject": "record", "category": "quality", "text": "没有来",
                                                   "assignment_id": record.pk, "severity": "major"},
                            content_type="application/json")
    assert response.status_code == 403, response.content
    assert not Complaint.objects.exists()
    # The elder's side may complain about it.
    proxy = api_client.__class__().login_as(w.proxy)
    response = proxy.post("/api/v1/complaints", {"subject": "record", "category": "quality", "text": "没有来",
                                                 "assignment_id": record.pk, "complainant_id": w.elder.pk},
                          content_type="application/json")
    assert response.status_code == 201, response.content
