"""A control character in a name does not break the volunteer's service record spreadsheet."""
import io

from openpyxl import load_workbook

from timebank.demands.models import ServiceType


def test_the_record_exports_even_with_a_control_character_in_a_name(record_world, client):
    w = record_world
    ServiceType.objects.filter(pk=w.chat.pk).update(name="聊天\x07陪伴")
    client.force_login(w.volunteer)
    response = client.get("/honours/record.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert "聊天陪伴" in {r[2] for r in rows}
