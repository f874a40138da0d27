"""The roster import pages: upload, report, commit, downloads, scoping."""
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from timebank.imports.models import ImportJob, ImportStatus
from timebank.imports.roster import FIELDS
from timebank.people.models import Person

from .conftest import HEADER, id_for, xlsx_bytes


def _post_roster(client, world, data, *, name="roster.xlsx", kind="elders", node=None):
    return client.post("/imports/", {"kind": kind, "node": (node or world.station_a1).pk, "consent": "on",
                                     "file": SimpleUploadedFile(name, data)})


def test_it_uploads_shows_the_report_and_commits(world, client):
    client.force_login(world.station_staff)
    assert client.get("/imports/").status_code == 200
    data = xlsx_bytes([HEADER, ["王秀英", id_for(), "女", "", "", "", ""], ["坏号码", "310110195003050000", "", "", "",
                                                                          "", ""]])
    response = _post_roster(client, world, data)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert 'data-row="2" data-outcome="create"' in page
    assert 'data-row="3" data-outcome="reject" data-reasons="id_number_checksum"' in page
    assert 'id="import-commit"' in page
    response = client.post(f"/imports/{job.pk}/commit/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.COMMITTED and job.created_count == 1
    assert Person.objects.filter(name="王秀英", is_elder=True).count() == 1
    assert 'id="import-commit"' not in client.get(f"/imports/{job.pk}/").content.decode()


def test_a_bad_file_is_a_form_error_and_writes_nothing(world, client):
    client.force_login(world.station_staff)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
    response = _post_roster(client, world, png, name="roster.xlsx")
    assert response.status_code == 422
    assert ImportJob.objects.count() == 0


def test_the_rejected_rows_download_with_an_error_column(world, client):
    client.force_login(world.station_staff)
    bad_id = "310110195003050000"
    _post_roster(client, world, xlsx_bytes([HEADER, ["坏号码", bad_id, "", "", "12345", "", ""],
                                            ["好人", id_for(), "", "", "", "", ""]]))
    job = ImportJob.objects.get()
    response = client.get(f"/imports/{job.pk}/rejected.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][0] == 2 and rows[1][1] == "坏号码" and rows[1][2] == bad_id
    assert rows[1][-1]  # the error column says why
    text = b"".join(client.get(f"/imports/{job.pk}/rejected.csv").streaming_content).decode("utf-8-sig")
    assert bad_id in text and text.count("\n") == 2


def test_the_templates_download_and_a_filled_in_template_imports_cleanly(world, client, upload):
    import pytest

    from timebank.imports.exceptions import RosterEmpty

    client.force_login(world.station_staff)
    response = client.get("/imports/template-elders.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.worksheets) == 2  # the roster and its notes
    sheet = book.worksheets[0]
    assert sheet.max_row == 2  # header and one example row
    with pytest.raises(RosterEmpty):  # the example row alone is not a person to register
        upload(response.content)
    sheet.append(["王秀英", id_for(), "女", "", "", "", "", "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    job = upload(buffer.getvalue())
    assert (job.total_rows, job.create_count) == (1, 1)
    csv_response = client.get("/imports/template-volunteers.csv")
    assert b"".join(csv_response.streaming_content).startswith(b"\xef\xbb\xbf")


def test_another_branch_gets_404_on_every_import_page(world, client, upload):
    job = upload(xlsx_bytes([HEADER, ["王秀英", id_for(), "", "", "", "", ""]]))
    client.force_login(world.other_branch_admin)
    for url in (f"/imports/{job.pk}/", f"/imports/{job.pk}/progress/", f"/imports/{job.pk}/rejected.csv"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/imports/{job.pk}/commit/").status_code == 404
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.DRY_RUN
    client.force_login(world.volunteer)
    assert client.get("/imports/").status_code == 404


def test_a_running_import_shows_a_polling_progress_bar_that_reloads_the_page_when_done(world, client, upload):
    job = upload(xlsx_bytes([HEADER, ["王秀英", id_for(), "", "", "", "", ""]]))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.COMMITTING, progress_done=1, progress_total=4)
    client.force_login(world.station_staff)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert 'id="import-progress"' in page and f'hx-get="/imports/{job.pk}/progress/"' in page
    assert 'value="25"' in page  # 1 of 4 rows
    assert 'id="import-commit"' not in page
    fragment = client.get(f"/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "HX-Refresh" not in fragment
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.COMMITTED, progress_done=4)
    fragment = client.get(f"/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true" and "hx-get" not in fragment.content.decode()


def test_the_rejected_rows_file_can_be_corrected_and_uploaded_again(world, client, upload):
    from openpyxl import load_workbook as load

    number = id_for()
    job = upload(xlsx_bytes([HEADER, ["王秀英", number, "女", "", "138-1234-567", "", ""]]))
    client.force_login(world.station_staff)
    book = load(io.BytesIO(client.get(f"/imports/{job.pk}/rejected.xlsx").content))
    sheet = book.active
    assert sheet.max_column == len(FIELDS) + 2  # the row number, the template's columns, the error
    sheet.cell(row=2, column=FIELDS.index("mobile") + 2, value="13812345678")  # the correction
    buffer = io.BytesIO()
    book.save(buffer)
    again = upload(buffer.getvalue())
    row = again.rows.get()
    assert (row.outcome, row.name, row.mobile, row.id_number_hash) == ("create", "王秀英", "13812345678",
                                                                       job.rows.get().id_number_hash)
