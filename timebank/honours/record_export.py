"""A volunteer's service record (hours by date, type and demand) as a spreadsheet and as a PDF:
what a volunteer brings to school or work."""
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from timebank.ledger import display
from timebank.lib.pdf import fit_text, register_font
from timebank.lib.xlsx import EscapingWorkbook
from timebank.people.models import Person

from .selectors import volunteer_number


def _rows(records) -> list[list]:
    return [[timezone.localtime(a.starts_at).strftime("%Y-%m-%d"), timezone.localtime(a.starts_at).strftime("%H:%M"),
             a.demand.service_type.name, a.demand.station.name, f"#{a.demand_id}", a.served_minutes or 0]
            for a in records]


def _head() -> list[str]:
    return [_("Date"), _("Time"), _("Service type"), _("Station"), _("Demand"), _("Minutes served")]


def record_xlsx(person: Person, records) -> bytes:
    from openpyxl.styles import Font

    book = EscapingWorkbook()
    sheet = book.active
    sheet.title = _("Service record")[:31]
    sheet.append([_("Service record of %(name)s") % {"name": person.name}, volunteer_number(person)])
    sheet.append(_head() + [_("Hours")])
    total = 0
    for row in _rows(records):
        total += row[-1]
        sheet.append(row + [row[-1] / 60])
    sheet.append([_("Total"), None, None, None, None, total, total / 60])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for cells in sheet.iter_rows(min_row=3, min_col=7, max_col=7):
        for cell in cells:
            cell.number_format = "0.00"
    for letter, width in zip("ABCDEFG", (12, 8, 18, 18, 10, 14, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def record_pdf(person: Person, records) -> bytes:
    font = register_font()
    width, height = A4
    margin = 40
    columns = [(margin, 70, "l"), (margin + 72, 40, "l"), (margin + 114, 130, "l"), (margin + 246, 140, "l"),
               (margin + 388, 50, "l"), (margin + 440, width - 2 * margin - 440, "r")]
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    c.setTitle(_("Service record of %(name)s") % {"name": person.name})
    rows = _rows(records)
    total = sum(r[-1] for r in rows)
    page, y = 1, 0

    def head():
        nonlocal y
        y = height - margin - 12
        c.setFont(font, 15)
        c.drawString(margin, y, _("Service record of %(name)s") % {"name": person.name})
        c.setFont(font, 9.5)
        c.drawRightString(width - margin, y, f"{volunteer_number(person)} · {person.id_masked or ''}")
        y -= 24
        for (x, w, align), title in zip(columns, _head(), strict=True):
            (c.drawRightString(x + w, y, title) if align == "r" else c.drawString(x, y, title))
        c.line(margin, y - 5, width - margin, y - 5)
        y -= 20

    head()
    c.setFont(font, 9.5)
    for row in rows:
        if y < margin + 40:
            c.setFont(font, 8)
            c.drawString(margin, margin, _("Page %(page)s") % {"page": page})
            c.showPage()
            page += 1
            head()
            c.setFont(font, 9.5)
        cells = row[:-1] + [display.minutes_in_words(row[-1])]
        for (x, w, align), text in zip(columns, cells, strict=True):
            text = fit_text(c, str(text), font, 9.5, w - 4)
            (c.drawRightString(x + w, y, text) if align == "r" else c.drawString(x, y, text))
        y -= 17
    if not rows:
        c.drawString(margin, y, _("No service recorded yet."))
        y -= 17
    c.setFont(font, 11)
    c.drawRightString(width - margin, y - 6, _("Total: %(hours)s") % {"hours": display.minutes_in_words(total)})
    c.setFont(font, 8)
    c.drawString(margin, margin, _("Printed %(when)s · page %(page)s") % {
        "when": timezone.localtime().strftime("%Y-%m-%d %H:%M"), "page": page})
    c.showPage()
    c.save()
    return buffer.getvalue()
