"""Reading roster files (花名册) as staff keep them: XLSX or CSV (UTF-8, UTF-8 with BOM, GBK/GB18030,
UTF-16 "Unicode text"), a title above the header, blank rows, a signature line below; and turning
each cell into a normalised value. No database access here."""
import csv
import datetime as dt
import io
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from timebank.lib.text import clean_text

from .exceptions import (
    RosterColumnsMissing,
    RosterColumnsUnknown,
    RosterEmpty,
    RosterTooLarge,
    RosterTooManyRows,
    RosterUnreadable,
)

MAX_BYTES = 20 * 1024 * 1024
HEADER_SCAN_ROWS = 30


def max_rows() -> int:
    """Rows below the header one import may have (blank ones count; settings.IMPORT_MAX_ROWS): counted while
    the file streams, so a small file that unpacks to millions of rows is refused after reading this many."""
    return settings.IMPORT_MAX_ROWS

# The fields a roster may carry, with the column titles people actually use (compared after
# NFKC, lower case, without spaces, asterisks and "(必填)" marks). Name and ID number are required.
FIELDS = ("name", "id_number", "gender", "birth_date", "mobile", "station", "address",
          "emergency_contact_name", "emergency_contact_phone")
REQUIRED = ("name", "id_number")
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "老人姓名", "志愿者姓名", "name", "fullname"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码", "证件号", "idnumber", "id",
                  "residentid", "residentidnumber", "idcard"),
    "gender": ("性别", "gender", "sex"),
    "birth_date": ("出生日期", "出生年月日", "出生年月", "生日", "birthdate", "dateofbirth", "dob", "birthday"),
    "mobile": ("手机号", "手机号码", "手机", "联系电话", "电话", "联系方式", "mobile", "phone", "mobilenumber",
               "mobilephone", "phonenumber", "tel"),
    "station": ("服务站", "所属服务站", "服务站点", "站点", "社区", "所属社区", "居委", "居委会", "station",
                "servicestation", "community"),
    "address": ("住址", "地址", "家庭住址", "居住地址", "现住址", "address", "homeaddress"),
    "emergency_contact_name": ("紧急联系人", "紧急联系人姓名", "emergencycontact", "emergencycontactname"),
    "emergency_contact_phone": ("紧急联系人电话", "紧急联系电话", "紧急联系人手机", "emergencycontactphone",
                                "emergencyphone"),
}
# The column titles of the template, in order (translated when written).
LABELS = {
    "name": _("Name"), "id_number": _("Resident ID number"), "gender": _("Gender"), "birth_date": _("Birth date"),
    "mobile": _("Mobile number"), "station": _("Service station"), "address": _("Address"),
    "emergency_contact_name": _("Emergency contact"), "emergency_contact_phone": _("Emergency contact phone"),
}

_MARKS = re.compile(r"[\s*＊:：]|\((必填|必须|选填|可选|required|optional)\)", re.IGNORECASE)
_FOOTER = re.compile(r"(制表|填表|填报|审核|复核|负责人|经办|签字|签名|盖章|(^|\s)日期|^合计|^总计|^共计|^备注|"
                     r"prepared by|checked by|signature|^total)", re.IGNORECASE)
_EXAMPLE = re.compile(r"^\(?\s*(示例|样例|例|example|e\.g\.)", re.IGNORECASE)
_CJK = re.compile(r"^[\u3400-\u9fff\u00b7\u30fb\s]+$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def header_key(text: str) -> str:
    return _MARKS.sub("", unicodedata.normalize("NFKC", str(text or "")).lower())


def _alias_map() -> dict[str, str]:
    mapping = {}
    for name, aliases in ALIASES.items():
        for alias in (*aliases, str(LABELS[name])):
            mapping[header_key(alias)] = name
    return mapping


@dataclass
class Roster:
    """An opened roster: where its header is and how to read the rows below it."""

    file_format: str  # "xlsx" or "csv"
    encoding: str
    columns: dict[str, int]
    header_row: int
    estimated_rows: int
    _rows: Iterator[tuple[int, list]] = field(repr=False)

    def data_rows(self) -> Iterator[tuple[int, dict]]:
        """(spreadsheet row number, raw cells by field) for each row that is neither blank, a repeated
        header, an example row nor a signature line."""
        aliases = _alias_map()
        below_header, limit = 0, max_rows()
        for number, cells in _readable(self._rows):
            if number <= self.header_row:
                continue
            below_header += 1
            if below_header > limit:
                raise RosterTooManyRows(detail={"max_rows": limit})
            if all(_blank(c) for c in cells):
                continue
            values = {name: (cells[i] if i < len(cells) else None) for name, i in self.columns.items()}
            name = text(values["name"])
            if aliases.get(header_key(name)) and sum(1 for c in cells if aliases.get(header_key(text(c)))) >= 2:
                continue  # the header repeated (a roster printed page by page)
            if _EXAMPLE.match(name):
                continue
            if _blank(values["id_number"]) and any(_FOOTER.search(text(c)) for c in cells if not _blank(c)):
                continue
            yield number, values


def _readable(rows: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list]]:
    """A file damaged further down than its header is refused like one damaged at the top."""
    try:
        yield from rows
    except Exception:
        raise RosterUnreadable() from None


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value) -> str:
    """A cell as normalised text: full-width characters to ASCII (NFKC), numbers without '.0', no control or
    invisible characters (`clean_text`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()[:10]
    return clean_text(unicodedata.normalize("NFKC", str(value)))


def _find_header(rows: list[tuple[int, list]]) -> tuple[int, dict[str, int]] | None:
    aliases = _alias_map()
    best = None
    for number, cells in rows[:HEADER_SCAN_ROWS]:
        columns: dict[str, int] = {}
        for index, cell in enumerate(cells):
            name = aliases.get(header_key(text(cell)))
            if name and name not in columns:
                columns[name] = index
        if len(columns) >= 2 and (best is None or len(columns) > len(best[1])):
            best = (number, columns)
            if all(r in columns for r in REQUIRED):
                return best
    return best


def open_roster(data: bytes, file_name: str = "") -> Roster:
    """Open a roster from its bytes, find its header, and check that it has rows; a refusal says why."""
    if not data:
        raise RosterEmpty()
    if len(data) > MAX_BYTES:
        raise RosterTooLarge(detail={"max_bytes": MAX_BYTES, "bytes": len(data)})
    if data[:4] == b"PK\x03\x04":
        return _open_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise RosterUnreadable(_("This is an old Excel (.xls) file. Save it as .xlsx or CSV and upload it again."),
                               code="import_file_xls")
    return _open_csv(data)


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"[A-Z]+")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"')
MAX_UNPACKED = 400 * 1024 * 1024


class _Workbook:
    """A lean streaming reader of an XLSX workbook's cell values: about three times faster than
    openpyxl's read-only mode on a large roster. openpyxl still decides which number formats are
    dates and converts serial numbers, so dates come out as openpyxl would give them."""

    def __init__(self, data: bytes):
        from xml.etree.ElementTree import fromstring

        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

        self.zip = zipfile.ZipFile(io.BytesIO(data))
        if sum(info.file_size for info in self.zip.infolist()) > MAX_UNPACKED:
            raise RosterTooLarge()
        names = set(self.zip.namelist())
        book = fromstring(self.zip.read("xl/workbook.xml"))
        props = book.find(f"{_NS}workbookPr")
        self.epoch = (CALENDAR_MAC_1904 if props is not None and props.get("date1904") in ("1", "true")
                      else CALENDAR_WINDOWS_1900)
        rels = {r.get("Id"): r.get("Target") for r in
                fromstring(self.zip.read("xl/_rels/workbook.xml.rels")).iter(f"{_PKG_NS}Relationship")}
        self.sheets = []
        for sheet in book.iter(f"{_NS}sheet"):
            target = rels[sheet.get(f"{_REL_NS}id")]
            self.sheets.append(target.lstrip("/") if target.startswith("/") else
                               posixpath.normpath(posixpath.join("xl", target)))
        self.strings = self._shared_strings() if "xl/sharedStrings.xml" in names else []
        self.date_styles = self._date_styles(fromstring(self.zip.read("xl/styles.xml"))) \
            if "xl/styles.xml" in names else set()

    def _shared_strings(self) -> list[str]:
        from xml.etree.ElementTree import iterparse

        strings = []
        for _event, element in iterparse(self.zip.open("xl/sharedStrings.xml")):
            if element.tag == f"{_NS}si":
                # Plain text, or rich-text runs; phonetic guides (<rPh>) are not part of the value.
                parts = [element.find(f"{_NS}t")] + [r.find(f"{_NS}t") for r in element.findall(f"{_NS}r")]
                strings.append("".join(t.text or "" for t in parts if t is not None))
                element.clear()
        return strings

    @staticmethod
    def _date_styles(styles) -> set[int]:
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

        custom = {int(f.get("numFmtId")): f.get("formatCode") for f in styles.iter(f"{_NS}numFmt")}
        formats = styles.find(f"{_NS}cellXfs")
        dates = set()
        for index, xf in enumerate(formats.findall(f"{_NS}xf") if formats is not None else []):
            number_format = int(xf.get("numFmtId") or 0)
            code = custom.get(number_format) or BUILTIN_FORMATS.get(number_format)
            # 27-36 and 50-58 are the built-in CJK date formats (年月日), absent from BUILTIN_FORMATS.
            if (code and is_date_format(code)) or 27 <= number_format <= 36 or 50 <= number_format <= 58:
                dates.add(index)
        return dates

    def declared_rows(self, path: str) -> int | None:
        """The last row the sheet's <dimension> names, if it has one (a crafted file may lie)."""
        with self.zip.open(path) as sheet:
            match = _DIMENSION.search(sheet.read(4096))
        return int(match.group(1)) if match else None

    def estimated_rows(self, path: str) -> int:
        declared = self.declared_rows(path)
        return declared if declared is not None else self.zip.getinfo(path).file_size // 100

    def rows(self, path: str) -> Iterator[tuple[int, list]]:
        from xml.etree.ElementTree import iterparse

        from openpyxl.utils.datetime import from_excel

        cell_tag, row_tag, value_tag, text_tag = f"{_NS}c", f"{_NS}row", f"{_NS}v", f"{_NS}t"
        row: list = []
        number = 0
        for _event, element in iterparse(self.zip.open(path)):
            tag = element.tag
            if tag == cell_tag:
                ref = element.get("r")
                if ref:
                    index = 0
                    for letter in _CELL_REF.match(ref).group(0):
                        index = index * 26 + ord(letter) - 64
                    index -= 1
                else:
                    index = len(row)
                kind = element.get("t")
                value_element = element.find(value_tag)
                raw = value_element.text if value_element is not None else None
                if kind == "inlineStr":
                    value = "".join(t.text or "" for t in element.iter(text_tag))
                elif raw is None:
                    value = None
                elif kind == "s":
                    value = self.strings[int(raw)]
                elif kind in ("str", "e"):
                    value = raw
                elif kind == "b":
                    value = raw == "1"
                else:
                    value = float(raw) if any(c in raw for c in ".Ee") else int(raw)
                    if int(element.get("s") or 0) in self.date_styles:
                        value = from_excel(value, self.epoch)
                if index >= len(row):
                    row.extend([None] * (index - len(row) + 1))
                row[index] = value
            elif tag == row_tag:
                ref = element.get("r")
                number = int(ref) if ref else number + 1
                yield number, row
                row = []
                element.clear()


def _open_xlsx(data: bytes) -> Roster:
    try:
        book = _Workbook(data)
    except RosterTooLarge:
        raise
    except Exception:  # not a zip, a zip without a workbook, damaged XML: all the same to the user
        raise RosterUnreadable() from None
    partial = None
    try:
        for path in book.sheets:
            head = list(islice(book.rows(path), HEADER_SCAN_ROWS))
            found = _find_header(head)
            if found and all(r in found[1] for r in REQUIRED):
                declared = book.declared_rows(path)
                if declared is not None and declared - found[0] > max_rows():
                    raise RosterTooManyRows(detail={"max_rows": max_rows(), "rows": declared - found[0]})
                estimated = max(book.estimated_rows(path) - found[0], 0)
                return _checked(Roster("xlsx", "xlsx", found[1], found[0], estimated, book.rows(path)))
            partial = partial or found
    except (RosterEmpty, RosterTooManyRows):
        raise
    except Exception:
        raise RosterUnreadable() from None
    _no_header(partial)


def _decode(data: bytes) -> tuple[str, str]:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:4096]:
        raise RosterUnreadable()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            decoded = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf"):
            encoding = "utf-8"
        return decoded, encoding
    raise RosterUnreadable()


def _open_csv(data: bytes) -> Roster:
    decoded, encoding = _decode(data)
    if any(unicodedata.category(c) == "Cc" and c not in "\r\n\t" for c in decoded[:4096]):
        raise RosterUnreadable()
    sample = decoded[:8192]
    counts = {d: sample.count(d) for d in (",", "\t", ";")}
    delimiter = max(counts, key=counts.get) if any(counts.values()) else ","
    reader = csv.reader(io.StringIO(decoded, newline=""), delimiter=delimiter)
    try:
        # One row more than an import may have (after a header within the first rows) is enough to refuse it.
        rows = list(islice(enumerate(reader, start=1), HEADER_SCAN_ROWS + max_rows() + 1))
    except csv.Error:
        raise RosterUnreadable() from None
    found = _find_header(rows)
    if not found or not all(r in found[1] for r in REQUIRED):
        _no_header(found)
    if len(rows) - found[0] > max_rows():
        raise RosterTooManyRows(detail={"max_rows": max_rows()})
    return _checked(Roster("csv", encoding, found[1], found[0], max(len(rows) - found[0], 0), iter(rows)))


def _no_header(partial):
    expected = [str(LABELS[f]) for f in REQUIRED]
    if partial:
        missing = [str(LABELS[f]) for f in REQUIRED if f not in partial[1]]
        raise RosterColumnsMissing(detail={"missing": missing, "header_row": partial[0]})
    raise RosterColumnsUnknown(detail={"required": expected})


def _checked(roster: Roster) -> Roster:
    """Make sure at least one data row follows the header, without reading the whole file twice."""
    rows = roster.data_rows()
    first = next(rows, None)
    if first is None:
        raise RosterEmpty(_("The file has a header but no rows of people."), code="import_no_rows")

    def replay():
        yield first
        yield from rows

    roster.data_rows = replay  # type: ignore[method-assign]
    return roster


# ---- values -------------------------------------------------------------------------------------

def name_value(value) -> str:
    """Names padded for alignment ("张　三") lose the padding; other names keep single spaces."""
    name = " ".join(text(value).split())
    if _CJK.match(name):
        name = name.replace(" ", "")
    return name


def gender_value(value) -> tuple[str, bool]:
    """("M"/"F"/"", understood)."""
    raw = text(value).lower()
    if not raw:
        return "", True
    if raw in ("男", "男性", "m", "male", "1"):
        return "M", True
    if raw in ("女", "女性", "f", "female", "2"):
        return "F", True
    return raw[:16], False


def date_value(value) -> tuple[dt.date | None, bool]:
    """(date, understood) from a date or datetime cell, an Excel serial number, 19500305,
    1950-03-05, 1950/3/5, 1950.3.5 or 1950年3月5日."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, True
    if isinstance(value, dt.datetime):
        return value.date(), True
    if isinstance(value, dt.date):
        return value, True
    raw = text(value)
    try:
        if re.fullmatch(r"\d{8}", raw):
            return dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:])), True
        if re.fullmatch(r"\d{1,6}(\.\d+)?", raw):
            serial = float(raw)
            if 1000 <= serial < 2958466:
                day = _EXCEL_EPOCH + dt.timedelta(days=int(serial))
                return day, True
            return None, False
        match = _DATE.match(raw)
        if match:
            return dt.date(*(int(g) for g in match.groups())), True
    except (ValueError, OverflowError):
        pass
    return None, False


def id_value(value) -> str:
    from timebank.lib.resident_id import normalise

    return normalise(text(value).replace("-", ""))


def mobile_value(value) -> str:
    from timebank.lib.mobile import normalise_mobile

    raw = re.sub(r"[()（）.]", "", text(value))
    return normalise_mobile(raw)
