"""Every spreadsheet the product writes goes through here, and through one escaping rule (`spreadsheet_value`):
text that a spreadsheet program would run as a formula (starting with = + - @, a tab or a carriage return) is
written as text with a leading apostrophe, and characters XML cannot hold are dropped.

- `xlsx_stream`: a small streaming XLSX writer for big table exports: rows go straight into the zip as XML
  (inline strings, no shared-string table, no styles) while the response is being sent, so memory stays flat
  and 100,000 rows take seconds.
- `EscapingWorkbook`: openpyxl for the formatted reports, every appended row escaped.
- CSV: `timebank.lib.pages.csv_download` escapes each cell with `spreadsheet_value` too.
Nothing else imports openpyxl's Workbook or csv.writer (`timebank/tests/test_spreadsheet_escaping.py`)."""
import datetime as dt
import decimal
import re
import zipfile
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape, quoteattr

from openpyxl import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

# Characters XML 1.0 cannot hold at all (a control character pasted into a name, say).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# What a spreadsheet program takes as the start of a formula (a tab or CR too, before one).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 2000


def spreadsheet_value(value):
    """A cell's value as it may be written: numbers, dates and booleans as they are, anything else as text that
    cannot run as a formula and holds no character XML refuses."""
    if value is None or isinstance(value, bool | int | dt.date | dt.time | decimal.Decimal):
        return value
    if isinstance(value, float):
        return value if value == value else None  # NaN has no place in a sheet
    text = _NOT_XML.sub("", str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


class _EscapingWorksheet(Worksheet):
    def append(self, iterable):
        super().append([spreadsheet_value(v) for v in iterable])


class _EscapingWriteOnlyWorksheet(WriteOnlyWorksheet):
    def append(self, row):
        super().append([spreadsheet_value(v) for v in row])


class EscapingWorkbook(Workbook):
    """openpyxl's Workbook whose sheets escape every appended row (`spreadsheet_value`)."""

    def __init__(self, write_only: bool = False):
        super().__init__(write_only=write_only)
        if not write_only:
            self._sheets = [_EscapingWorksheet(self)]

    def create_sheet(self, title=None, index=None):
        sheet_class = _EscapingWriteOnlyWorksheet if self.write_only else _EscapingWorksheet
        sheet = sheet_class(parent=self, title=title)
        self._add_sheet(sheet=sheet, index=index)
        return sheet

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}</Types>")
_SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{n}.xml" '
               'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
_SHEET_REL = ('<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
              'worksheet" Target="worksheets/sheet{n}.xml"/>')
_SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
_SHEET_TAIL = b"</sheetData></worksheet>"


def _cell(value) -> str:
    value = spreadsheet_value(value)
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"<c><v>{value!r}</v></c>"
    return f'<c t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


class _Pipe:
    """What the zip writes into; the generator hands out what has accumulated."""

    def __init__(self):
        self.chunks: list[bytes] = []

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def sheet_names(titles: Iterable[str]) -> list[str]:
    """Valid, unique sheet names: at most 31 characters, none of []:*?/\\."""
    names: list[str] = []
    for title in titles:
        name = "".join(ch for ch in str(title) if ch not in "[]:*?/\\")[:31] or "Sheet"
        while name in names:
            name = f"{name[:27]}_{len(names) + 1}"
        names.append(name)
    return names


def xlsx_stream(tables: list[tuple[str, Iterable, Iterable[Iterable]]]) -> Iterator[bytes]:
    """The bytes of an .xlsx file with one sheet per (title, header, rows), produced as the rows come."""
    pipe = _Pipe()
    names = sheet_names(t[0] for t in tables)
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES.format(
            sheets="".join(_SHEET_TYPE.format(n=n) for n in range(1, len(tables) + 1))))
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK.format(sheets="".join(
            f'<sheet name={quoteattr(name)} sheetId="{n}" r:id="rId{n}"/>' for n, name in enumerate(names, 1))))
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(
            rels="".join(_SHEET_REL.format(n=n) for n in range(1, len(tables) + 1))))
        yield pipe.take()
        for n, (_title, header, rows) in enumerate(tables, 1):
            with book.open(f"xl/worksheets/sheet{n}.xml", "w") as sheet:
                sheet.write(_SHEET_HEAD)
                lines = ["<row>" + "".join(_cell(str(h)) for h in header) + "</row>"]
                for row in rows:
                    lines.append("<row>" + "".join(_cell(v) for v in row) + "</row>")
                    if len(lines) >= ROWS_PER_CHUNK:
                        sheet.write("".join(lines).encode())
                        lines.clear()
                        yield pipe.take()
                sheet.write("".join(lines).encode())
                sheet.write(_SHEET_TAIL)
            yield pipe.take()
    yield pipe.take()
