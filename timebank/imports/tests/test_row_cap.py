"""A roster has at most IMPORT_MAX_ROWS rows: a file that says so up front is refused at once, one that hides
it (a small zip unpacking to millions of rows) is refused while it streams; imports have their own queue."""
import io
import zipfile

import pytest
from django.conf import settings

from timebank.imports.exceptions import RosterTooManyRows
from timebank.imports.models import ImportJob, ImportStatus
from timebank.imports.tasks import import_check_task, import_commit_task

from .conftest import HEADER, csv_text, id_for, xlsx_bytes
from .test_xlsx_reader import NS, REL


@pytest.fixture(autouse=True)
def small_cap(settings):
    settings.IMPORT_MAX_ROWS = 50


def _rows(n):
    return [["王秀英", id_for(), "", "", "", "", ""] for _ in range(n)]


def test_a_workbook_that_declares_too_many_rows_is_refused_before_any_job(world, upload):
    with pytest.raises(RosterTooManyRows) as err:
        upload(xlsx_bytes([HEADER, *_rows(51)]))
    assert err.value.status == 413 and err.value.detail["max_rows"] == 50
    assert not ImportJob.objects.exists()
    assert upload(xlsx_bytes([HEADER, *_rows(50)])).status == ImportStatus.DRY_RUN


def test_a_csv_with_too_many_rows_is_refused(world, upload):
    with pytest.raises(RosterTooManyRows):
        upload(csv_text([HEADER, *_rows(51)]).encode(), name="roster.csv")


def _lying_workbook(rows: int, cell: str = "") -> bytes:
    """A sheet whose <dimension> claims 9 rows while it holds `rows` (blank, or each with `cell`), deflated small."""
    value = f'<c t="inlineStr"><is><t>{cell}</t></is></c>' if cell else "<c/>"
    body = '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>身份证号</t>' \
           '</is></c></row>' + "".join(f'<row r="{n}">{value}</row>' for n in range(2, rows + 2))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", f'<workbook {NS} {REL}><sheets><sheet name="s" sheetId="1" r:id="rId1"/>'
                                      f'</sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Target="/xl/worksheets/sheet1.xml" Type="worksheet"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", f'<worksheet {NS}><dimension ref="A1:B9"/><sheetData>{body}'
                                               f'</sheetData></worksheet>')
    return buffer.getvalue()


def test_a_workbook_hiding_its_rows_is_refused_while_it_streams(world, upload):
    data = _lying_workbook(100_000, "王秀英")
    assert len(data) < 1_000_000
    job = upload(data)  # 9 rows declared: checked at once, and stopped at the 51st
    assert job.status == ImportStatus.FAILED and job.error_code == "import_too_many_rows"
    assert not job.rows.exists()


def test_a_workbook_of_blank_rows_is_refused_before_any_job(world, upload):
    with pytest.raises(RosterTooManyRows):
        upload(_lying_workbook(100_000))
    assert not ImportJob.objects.exists()


def test_imports_run_on_their_own_queue():
    assert import_check_task.queue_name == import_commit_task.queue_name == "imports"
    assert "imports" in settings.TASKS["default"]["QUEUES"]
