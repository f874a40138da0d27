"""The call list on paper (A4): whom to ring, at which numbers, what to tell them, and boxes to tick
for what came of it, for stations that work from a printed sheet and enter the results afterwards."""
import datetime as dt
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from timebank.lib.pdf import fit_text, register_font, wrap_text

PAGE_W, PAGE_H = A4
MARGIN = 36
# (title, width) of each column; the widths add up to the printable width.
COLUMNS = [("#", 22), ("name", 98), ("ring", 150), ("tell", 150), ("outcome", 103)]
SIZE = 10
LEADING = 13


def call_list_pdf(rows: list[dict], *, made_by, now: dt.datetime) -> bytes:
    font = register_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    title = _("Call list")
    pdf.setTitle(title)
    headers = {"#": "#", "name": _("Name and station"), "ring": _("Ring"), "tell": _("What to tell"),
               "outcome": _("What came of it")}
    local = timezone.localtime(now)
    page = [1]

    def start_page() -> float:
        y = PAGE_H - MARGIN
        pdf.setFont(font, 16)
        bank = made_by.bank.name if made_by.bank_id else ""
        pdf.drawString(MARGIN, y - 12, f"{bank} · {title}" if bank else title)
        pdf.setFont(font, 9)
        pdf.drawRightString(PAGE_W - MARGIN, y - 12, _("Page %(n)d") % {"n": page[0]})
        y -= 30
        pdf.drawString(MARGIN, y, _("As of %(when)s · made by %(name)s · reviewed by: ________")
                       % {"when": f"{local:%Y-%m-%d %H:%M}", "name": made_by.name})
        y -= 18
        pdf.setFont(font, SIZE)
        x = MARGIN
        for key, width in COLUMNS:
            pdf.drawString(x + 2, y, headers[key])
            x += width
        pdf.line(MARGIN, y - 4, PAGE_W - MARGIN, y - 4)
        return y - 4 - LEADING

    y = start_page()
    if not rows:
        pdf.drawString(MARGIN, y, _("Nobody to call: everyone has been told."))
    for number, row in enumerate(rows, 1):
        notice = row["notice"]
        cells = {
            "#": [str(number)],
            "name": [notice.person.name] + wrap_text(pdf, notice.person.node.name if notice.person.node else "",
                                                     font, SIZE - 1, 94),
            "ring": [fit_text(pdf, f"{name} {phone}", font, SIZE - 1, 146) for name, phone in row["phones"]]
            or [_("no number on record")],
            "tell": wrap_text(pdf, " · ".join(part for part in (str(notice.get_kind_display()), notice.label,
                                                                  notice.text) if part), font, SIZE - 1, 146)[:5],
            "outcome": [_("Reached and told"), _("No answer, call again"), _("No number that works")],
        }
        height = max(len(lines) for lines in cells.values()) * LEADING + 6
        if y - height < MARGIN:
            pdf.showPage()
            page[0] += 1
            y = start_page()
        x = MARGIN
        for key, width in COLUMNS:
            pdf.setFont(font, SIZE if key in ("#", "name") else SIZE - 1)
            for i, line in enumerate(cells[key]):
                if key == "outcome":  # a box to tick (the font may have no ballot-box glyph)
                    pdf.rect(x + 2, y - i * LEADING - 1, 8, 8)
                    pdf.drawString(x + 14, y - i * LEADING, line)
                else:
                    pdf.drawString(x + 2, y - i * LEADING, line)
            x += width
        y -= height
        pdf.setStrokeGray(0.7)
        pdf.line(MARGIN, y + LEADING - 2, PAGE_W - MARGIN, y + LEADING - 2)
        pdf.setStrokeGray(0)
    pdf.save()
    return buffer.getvalue()
