"""Every export goes through one escaping writer: text that would run as a formula is written as text, and a
control character pasted into a name never breaks the file."""
import csv
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import load_workbook

from timebank.lib.pages import csv_download
from timebank.lib.xlsx import EscapingWorkbook, spreadsheet_value, xlsx_stream

DANGEROUS = ["=HYPERLINK(\"http://evil.example\",\"点我\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_would_run_as_a_formula_is_written_as_text(text):
    assert spreadsheet_value(text) == "'" + text
    assert spreadsheet_value("张\x07三") == "张三"
    assert spreadsheet_value(-3) == -3 and spreadsheet_value(1.5) == 1.5 and spreadsheet_value(None) is None


def _read(book: EscapingWorkbook):
    out = io.BytesIO()
    book.save(out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    return [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]


def test_the_openpyxl_workbook_escapes_every_appended_row_in_every_sheet():
    book = EscapingWorkbook()
    book.active.append(["=1+1", "名\x07字", 5])
    book.create_sheet("second").append(["@x"])
    cells = _read(book)
    assert cells[0] == [("'=1+1", "s"), ("名字", "s"), (5, "n")]
    second = load_workbook(io.BytesIO(_save(book))).worksheets[1]
    assert second["A1"].value == "'@x" and second["A1"].data_type == "s"


def _save(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_write_only_workbook_escapes_too():
    book = EscapingWorkbook(write_only=True)
    book.create_sheet("rows").append(["=cmd|' /C calc'!A0", "ok"])
    sheet = load_workbook(io.BytesIO(_save(book))).worksheets[0]
    assert sheet["A1"].value == "'=cmd|' /C calc'!A0" and sheet["A1"].data_type == "s"


def test_the_streamed_xlsx_and_the_csv_escape_the_same_way():
    data = b"".join(xlsx_stream([("t", ["=head"], [DANGEROUS])]))
    rows = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    # (XML reads a carriage return back as a line feed.)
    assert rows[0][0] == "'=head" and list(rows[1]) == ["'" + t.replace("\r", "\n") for t in DANGEROUS]
    response = csv_download("x.csv", ["=head"], [DANGEROUS])
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["'=head"], ["'" + t for t in DANGEROUS]]


def test_nothing_writes_a_spreadsheet_around_the_escaping_writer():
    """openpyxl's own Workbook only in timebank/lib/xlsx.py, csv.writer only in timebank/lib/pages.py."""
    found = []
    for path in Path(settings.BASE_DIR, "timebank").rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        where = path.relative_to(settings.BASE_DIR).as_posix()
        if re.search(r"from openpyxl import [^\n]*\bWorkbook\b|openpyxl\.Workbook\(", source) and \
                where != "timebank/lib/xlsx.py":
            found.append(f"{where}: openpyxl's Workbook (use timebank.lib.xlsx.EscapingWorkbook)")
        if re.search(r"csv\.(writer|DictWriter)\(", source) and where != "timebank/lib/pages.py":
            found.append(f"{where}: csv.writer (use timebank.lib.pages.csv_download)")
    assert found == []
