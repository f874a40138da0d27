"""The streaming XLSX writer: what it writes is what a spreadsheet program reads back."""
import datetime as dt
import io

from openpyxl import load_workbook

from timebank.lib.xlsx import sheet_names, xlsx_stream


def test_it_writes_sheets_that_read_back_cell_for_cell():
    rows = [[1, "张晓明", 1.5, None, dt.date(2026, 3, 5), "a<b & \"c\"", "bad\x01char"], [2**40, "", -3, True, "x", "", ""]]
    data = b"".join(xlsx_stream([("人员 / people?", ["No.", "Name", "Hours"], iter(rows)), ("second", ["A"], [])]))
    book = load_workbook(io.BytesIO(data), read_only=True)
    assert [ws.title for ws in book.worksheets] == ["人员  people", "second"]
    got = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert got[0][:3] == ["No.", "Name", "Hours"]
    assert got[1] == [1, "张晓明", 1.5, None, "2026-03-05", 'a<b & "c"', "badchar"]
    assert got[2][:4] == [2**40, None, -3, "True"]
    assert [list(r) for r in book.worksheets[1].iter_rows(values_only=True)] == [["A"]]


def test_it_streams_in_chunks_and_names_sheets_uniquely():
    chunks = list(xlsx_stream([("big", ["n"], ([i] for i in range(10_000)))]))
    assert len(chunks) > 5
    assert sheet_names(["a" * 40, "a" * 40, "x:y"]) == ["a" * 31, "a" * 27 + "_2", "xy"]
