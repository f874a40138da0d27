"""Files staff download: the roster template (XLSX with a notes sheet, or CSV) and the rejected rows
with an error column, laid out so that the corrected file can be uploaded again as it is."""
import io
from collections.abc import Iterable, Iterator

from django.http import HttpResponse
from django.utils.translation import gettext as _

from timebank.lib.pages import csv_download
from timebank.lib.xlsx import EscapingWorkbook
from timebank.people.models import Gender

from .models import ImportKind, ImportRow
from .reasons import reason_text
from .roster import FIELDS, LABELS, REQUIRED

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_COLUMNS = ("id_number", "mobile", "emergency_contact_phone")


def template_header() -> list[str]:
    return [f"{LABELS[f]}*" if f in REQUIRED else str(LABELS[f]) for f in FIELDS]


def template_example(kind: str) -> list[str]:
    # The "(示例)" prefix makes the import skip this row if it is left in the file.
    values = {
        "name": "(示例)张三", "id_number": "110105194912310249", "gender": "女", "birth_date": "1949-12-31",
        "mobile": "138 0013 8000" if kind == ImportKind.VOLUNTEERS else "", "station": _("(your station)"),
        "address": _("(home address)"), "emergency_contact_name": "李四", "emergency_contact_phone": "139-0013-9000",
    }
    return [values[f] for f in FIELDS]


def template_notes(kind: str) -> list[str]:
    return [
        _("How to fill in the roster"),
        _("One person per row, below the header row. A title above the header, blank rows and a signature "
          "line at the end are fine."),
        _("Required: Name and Resident ID number (18 characters; a lowercase x and full-width digits are "
          "corrected)."),
        _("Gender and birth date are optional: when given they must agree with the ID number. Dates may be "
          "written 1950-03-05, 1950/3/5, 1950年3月5日 or 19500305, or be Excel dates."),
        _("Mobile: 11 digits; spaces and hyphens are removed.") + " " + (
            _("Volunteers need a mobile number: it is how they sign in.") if kind == ImportKind.VOLUNTEERS
            else _("Elders without a phone may leave it empty.")),
        _("Service station: its name or code. It may be left empty when you import at a station."),
        _("The example row starting with (示例) is ignored; you may delete it."),
        _("Upload the file on the Roster import page: first you see what would happen to each row, then "
          "you commit. People already registered are skipped, so a file can be imported again safely."),
    ]


def template_xlsx(kind: str) -> HttpResponse:
    from openpyxl.styles import Font

    book = EscapingWorkbook()
    sheet = book.active
    sheet.title = _("Roster")[:31]
    sheet.append(template_header())
    sheet.append(template_example(kind))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, name in enumerate(FIELDS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 22 if name in TEXT_COLUMNS or name == "address" else 14
        if name in TEXT_COLUMNS:
            # A text column, or Excel turns an 18-digit ID number into 3.10110E+17 and loses its last digits.
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(row=2, column=index).number_format = "@"
    notes = book.create_sheet(_("Notes")[:31])
    for line in template_notes(kind):
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    notes["A1"].font = Font(bold=True)
    return _xlsx_response(book, f"roster-template-{kind}.xlsx")


def template_csv(kind: str):
    return csv_download(f"roster-template-{kind}.csv", template_header(), [template_example(kind)])


def _xlsx_response(book, filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _gender(code: str) -> str:
    return str(Gender(code).label) if code in Gender.values else code


def rejected_header() -> list[str]:
    return [_("Row"), *(str(LABELS[f]) for f in FIELDS), _("Error")]


def rejected_cells(row: ImportRow, id_number: str) -> list:
    values = {
        "name": row.name, "id_number": id_number, "gender": _gender(row.gender), "birth_date": row.birth_date,
        "mobile": row.mobile, "station": row.station_text, "address": row.address,
        "emergency_contact_name": row.emergency_contact_name, "emergency_contact_phone": row.emergency_contact_phone,
    }
    return [row.number, *(values[f] for f in FIELDS), "；".join(reason_text(c) for c in row.reasons)]


def rejected_xlsx(rows: Iterable[tuple[ImportRow, str]], filename: str) -> HttpResponse:
    book = EscapingWorkbook(write_only=True)
    sheet = book.create_sheet(_("Rejected rows")[:31])
    sheet.append(rejected_header())
    for row, id_number in rows:
        sheet.append(rejected_cells(row, id_number))
    return _xlsx_response(book, filename)


def rejected_csv(rows: Iterable[tuple[ImportRow, str]], filename: str):
    def lines() -> Iterator[list]:
        for row, id_number in rows:
            yield rejected_cells(row, id_number)

    return csv_download(filename, rejected_header(), lines())
