"""The supplier settlement spreadsheet writes a name that looks like a formula as text."""
import io

from openpyxl import load_workbook

from timebank.people.models import Person

from .test_cancel_and_missed import take


def test_a_formula_in_an_elders_name_is_written_as_text_in_the_settlement(sw, client):
    w = sw
    _demand, order = take(w)
    Person.objects.filter(pk=w.elder.pk).update(name='=HYPERLINK("http://evil.example","点我")')
    client.force_login(w.bank_admin)
    month = order.settlement_line.month
    response = client.get(f"/suppliers/{w.supplier.pk}/settlement/", {"month": f"{month:%Y-%m}", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert cells, "the elder's name is in the settlement"
    assert all(c.data_type == "s" and c.value.startswith("'=") for c in cells)
