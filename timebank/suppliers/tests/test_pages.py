import io

import pytest

from timebank.suppliers import services

from .test_orders import book


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def signed_in(client, person):
    client.force_login(person)
    return client


def test_staff_pages_list_filter_export_and_show_a_supplier(sw, client):
    w = sw
    c = signed_in(client, w.branch_admin)
    page = c.get("/suppliers/?status=admitted")
    assert page.status_code == 200 and "美发之家" in page.content.decode() and "长白维修" not in page.content.decode()
    csv = c.get("/suppliers/?export=csv")
    assert "美发之家" in b"".join(csv.streaming_content).decode()
    detail = c.get(f"/suppliers/{w.supplier.pk}/")
    assert detail.status_code == 200 and w.supplier.credit_code in detail.content.decode()
    assert c.get(f"/suppliers/{w.other_supplier.pk}/").status_code == 404
    assert c.get(f"/suppliers/{w.other_supplier.pk}/score/").status_code == 404
    assert c.get("/suppliers/admission/").status_code == 200
    assert c.get("/suppliers/ranking/").status_code == 200
    score = c.get(f"/suppliers/{w.supplier.pk}/score/")
    assert "<svg" in score.content.decode() and "<polyline" in score.content.decode()
    xlsx = c.get(f"/suppliers/{w.supplier.pk}/settlement/?export=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert c.get(f"/suppliers/{w.supplier.pk}/settlement/").status_code == 200


def test_a_staff_page_registration_with_a_bad_code_shows_the_error(sw, client):
    w = sw
    c = signed_in(client, w.bank_admin)
    response = c.post("/suppliers/new/", {"node": w.branch_a.pk, "name": "坏", "credit_code": "91350100M000100Y44",
                                          "contact_name": "某", "contact_phone": "13700000000"})
    from timebank.suppliers.models import Supplier

    assert response.status_code == 200 and 'class="error"' in response.content.decode()
    assert not Supplier.objects.filter(name="坏").exists()


def test_supplier_staff_work_from_their_inbox_and_see_only_their_supplier(sw, client):
    w = sw
    order = book(w)
    c = signed_in(client, w.supplier_staff)
    inbox = c.get("/suppliers/inbox/")
    assert inbox.status_code == 200 and f"#{order.pk}" in inbox.content.decode()
    c.post(f"/suppliers/orders/{order.pk}/accept/")
    order.refresh_from_db()
    assert order.status == "accepted"
    assert c.get(f"/suppliers/{w.other_supplier.pk}/").status_code == 404
    other = signed_in(client.__class__(), w.other_supplier_staff)
    assert other.post(f"/suppliers/orders/{order.pk}/done/").status_code == 404
    assert f"#{order.pk}" not in other.get("/suppliers/inbox/").content.decode()


def test_meetings_concern_only_their_suppliers(sw, client):
    w = sw
    import datetime as dt

    services.meeting_record(actor=w.bank_admin, node=w.bank, held_on=dt.date(2026, 11, 1), title="季度联席会",
                            attendees="各供应商", minutes="讨论服务质量", suppliers=[w.supplier],
                            decisions=[("加强培训", "美发之家", None)])
    mine = signed_in(client, w.supplier_staff).get("/suppliers/meetings/").content.decode()
    assert "季度联席会" in mine
    other = signed_in(client.__class__(), w.other_supplier_staff).get("/suppliers/meetings/").content.decode()
    assert "季度联席会" not in other


def test_a_bank_wide_suppliers_settlement_shows_branch_staff_only_their_branchs_elders(sw, client):
    """A supplier of the whole bank serves every branch; each settlement line names the elder."""
    import datetime as dt

    from django.utils import timezone
    from openpyxl import load_workbook

    from timebank.suppliers.models import SettlementLine
    from timebank.suppliers.selectors import month_start

    from .conftest import grant_coins, new_supplier, tomorrow_at

    w = sw
    escort = new_supplier(w, "全区陪诊", node=w.bank, areas=[w.bank])
    grant_coins(w, w.other_elder, 600)
    # Two different hours (never derived from an id: ids grow with every test before this one).
    for hour, (staff, elder) in enumerate(((w.station_staff, w.elder), (w.other_station_staff, w.other_elder))):
        order = services.order_book(actor=staff, supplier=escort, service_type=w.haircut, elder=elder,
                                    starts_at=tomorrow_at(10) + dt.timedelta(hours=hour), payment="coins")
        SettlementLine.objects.create(bank=w.bank, supplier=escort, order=order, amount_fen=3000, coin_minutes=60,
                                      month=month_start(timezone.localdate()))

    def export(person):
        response = signed_in(client, person).get(f"/suppliers/{escort.pk}/settlement/?export=xlsx")
        assert response.status_code == 200
        rows = [[cell.value for cell in row] for row in load_workbook(io.BytesIO(response.content)).active.rows]
        return {value for row in rows for value in row}, rows[-1][5]  # the names; the total in yuan

    for staff in (w.station_staff, w.branch_admin):
        seen, total = export(staff)
        assert w.elder.name in seen and w.other_elder.name not in seen and total == 30
    seen, total = export(w.bank_admin)  # who manages the supplier sees the whole month
    assert {w.elder.name, w.other_elder.name} <= seen and total == 60
