"""The public supplier application, the guarantee fund in the ledger's liability report and the
elder's supplier page."""
import csv
import datetime as dt
import io
import re

from django.utils import timezone
from openpyxl import load_workbook

from timebank.suppliers import services
from timebank.suppliers.models import Supplier

from .conftest import new_code
from .test_cancel_and_missed import take
from .test_guarantee import coin_demand


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def application(w, **changes):
    data = {"node": w.branch_a.pk, "name": "康乐助浴服务有限公司", "credit_code": new_code(),
            "contact_name": "刘经理", "contact_phone": "13712345678", "address": "政立路 100 号",
            "licence_kind": "营业执照", "licence_number": "310110-0001",
            "licence_expires_on": (timezone.localdate() + dt.timedelta(days=400)).isoformat(),
            "application_note": "助浴、保洁；五角场街道", "consent": "on"}
    data.update(changes)
    return data


def test_a_company_applies_on_the_public_page_and_waits_in_the_admission_queue(sw, client):
    w = sw
    assert client.get("/suppliers/apply/").status_code == 200
    response = client.post("/suppliers/apply/", application(w))
    assert response.status_code == 302 and response["Location"] == "/suppliers/apply/thanks/"
    supplier = Supplier.objects.get(name="康乐助浴服务有限公司")
    assert supplier.status == "applied" and supplier.created_by is None and supplier.node == w.branch_a
    assert supplier.licences.get().number == "310110-0001"
    assert str(supplier.pk) in text(client.get("/suppliers/apply/thanks/"))
    client.force_login(w.branch_admin)
    assert "康乐助浴服务有限公司" in text(client.get("/suppliers/admission/"))
    assert 'id="application-note"' in text(client.get(f"/suppliers/{supplier.pk}/"))
    services.supplier_transition(actor=w.branch_admin, supplier=supplier, to="reviewing")
    services.supplier_admit(actor=w.branch_admin, supplier=supplier, trial=True)
    supplier.refresh_from_db()
    assert supplier.status == "trial" and supplier.trial_until is not None


def test_bad_applications_show_clear_errors_and_create_nothing(sw, client):
    w = sw
    taken = w.supplier.credit_code
    cases = [
        ({"credit_code": "91310110MA1G00000X"}, "credit_code"),
        ({"credit_code": "not a code"}, "credit_code"),
        ({"credit_code": taken}, "credit_code"),
        ({"licence_expires_on": "2001-01-01"}, "licence_expires_on"),
        ({"contact_phone": "12"}, "contact_phone"),
        ({"node": "999999"}, "node"),
        ({"node": str(w.station_a1.pk)}, "node"),
        ({"consent": ""}, "consent"),
        ({"name": ""}, "name"),
    ]
    before = Supplier.objects.count()
    for change, field in cases:
        response = client.post("/suppliers/apply/", application(w, **change))
        assert response.status_code == 422, change
        assert f'id="id_{field}_error"' in response.content.decode(), change
    assert Supplier.objects.count() == before


def test_the_liability_report_shows_the_guarantee_funds_exposure(sw, client):
    w = sw
    _demand, order = take(w)  # 30.00 yuan owed for 60 coin minutes
    coin_demand(w, hours_ahead=12)
    services.guarantee_offers_make()  # one more request offered, 30.00 at the cheapest
    client.force_login(w.bank_admin)
    page = text(client.get("/ledger/liability/"))
    owed = re.search(r'id="fund-owed">.*?</tr>', page).group(0)
    assert "30.00" in owed and ">1<" in owed
    assert "30.00" in re.search(r'id="fund-offered">.*?</tr>', page).group(0)

    rows = list(csv.reader(io.StringIO(b"".join(client.get("/ledger/liability/", {"format": "csv"})
                                                 .streaming_content).decode("utf-8-sig"))))
    assert [r[1:] for r in rows if r[1:] == ["30.00", "1", "1.00"]]
    book = load_workbook(io.BytesIO(client.get("/ledger/liability/", {"format": "xlsx"}).content))
    fund = list(book.worksheets[2].iter_rows(values_only=True))
    assert fund[1][1:] == (30, 1, 1) and fund[2][1:] == (0, 0, 0) and fund[3][1:3] == (30, 1)

    services.settlement_mark_paid(actor=w.bank_admin, supplier=w.supplier, month=order.settlement_line.month)
    book = load_workbook(io.BytesIO(client.get("/ledger/liability/", {"format": "xlsx"}).content))
    fund = list(book.worksheets[2].iter_rows(values_only=True))
    assert fund[1][1:] == (0, 0, 0) and fund[2][1:] == (30, 1, 1)


def test_an_elders_proxy_finds_the_suppliers_to_book_and_cancels_a_guaranteed_order(sw, client):
    w = sw
    _demand, order = take(w)
    client.force_login(w.proxy)
    page = text(client.get("/suppliers/orders/"))
    assert f"/suppliers/{w.supplier.pk}/book/" in page and f"/suppliers/{w.other_supplier.pk}/book/" not in page
    response = client.post(f"/suppliers/orders/{order.pk}/cancel/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/suppliers/inbox/"
    order.refresh_from_db()
    assert order.status == "cancelled"
