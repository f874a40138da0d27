"""Exports open in a spreadsheet program and hold the rows the filters select."""
import csv
import io

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"  # the tests read the English headers
    return client


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _sheets(response) -> dict[str, list[list]]:
    book = load_workbook(io.BytesIO(_body(response)), read_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def test_the_dashboard_exports_as_xlsx_with_its_filters(stats_world, client):
    w = stats_world
    client.force_login(w.bank_admin)
    q = f"node={w.branch_a.pk}&period=custom&from={w.period.date_from}&to={w.period.date_to}"
    response = client.get(f"/stats/?{q}&format=xlsx")
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    sheets = _sheets(response)
    assert len(sheets) == 8
    key = dict(row for row in list(sheets.values())[0][1:])
    assert key["Unit"] == w.branch_a.name
    assert key["Person-times served"] == 2 and key["Hours served"] == 1.5  # branch a only: 60 + 30 minutes
    stations = list(sheets.values())[4]
    assert [r[0] for r in stations[1:]] == [w.station_a1.name, w.station_a2.name]


def test_the_dashboard_exports_as_csv_with_a_bom(stats_world, client):
    w = stats_world
    client.force_login(w.station_staff)
    response = client.get(f"/stats/?period=custom&from={w.period.date_from}&to={w.period.date_to}&format=csv")
    text = _body(response).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert ["Unit", w.station_a1.name] in rows and ["Person-times served", "2"] in rows


def test_the_people_list_exports_the_filtered_station_as_xlsx(stats_world, client):
    w = stats_world
    client.force_login(w.branch_admin)
    response = client.get(f"/people/?station={w.station_a2.pk}&format=xlsx")
    assert response.status_code == 200
    rows = list(_sheets(response).values())[0]
    assert rows[0][:2] == ["No.", "Name"]
    names = {r[1] for r in rows[1:]}
    assert w.volunteer2.name in names and w.volunteer.name not in names
    assert all(r[6] == w.station_a2.name for r in rows[1:])
    csv_text = _body(client.get(f"/people/?station={w.station_a2.pk}&format=csv")).decode("utf-8")
    assert len(list(csv.reader(io.StringIO(csv_text)))) == len(rows)


def test_the_audit_trail_exports_as_xlsx(stats_world, client):
    client.force_login(stats_world.bank_admin)
    rows = list(_sheets(client.get("/audit/?action=person.registered&format=xlsx")).values())[0]
    assert len(rows) == 1 + 3 and {r[2] for r in rows[1:]} == {"person.registered"}


def test_a_cell_that_looks_like_a_formula_stays_text(stats_world, client):
    from timebank.people.services import person_update

    w = stats_world
    person_update(actor=w.station_staff, person=w.new_elders[0], address="=HYPERLINK(1)", name="=1+1")
    client.force_login(w.station_staff)
    rows = list(_sheets(client.get(f"/people/?station={w.station_a1.pk}&format=xlsx")).values())[0]
    assert "'=1+1" in {r[1] for r in rows}
