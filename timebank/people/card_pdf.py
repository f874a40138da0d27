"""The volunteer's card (志愿者卡), printed on A4 to cut out: name, station, photo (or an empty box to
stick one in), the card id and its QR code, which the station scans (phone camera or a USB reader that
types it) to check the volunteer in. One card, or a sheet of many with cut marks."""
import io
from collections.abc import Callable, Sequence

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from timebank.lib.pdf import QR_SIZE, draw_qr, register_font

MM = 2.835
CARD_W, CARD_H = 86 * MM, 54 * MM  # a bank card's size, in points
PHOTO_W, PHOTO_H = 18 * MM, 22 * MM
COLUMNS, ROWS = 2, 4  # cards on one A4 sheet
GAP_X, GAP_Y = 8 * MM, 10 * MM  # room between cards for the cut marks
MARK = 4 * MM  # length of a cut mark


def card_photo(person) -> ImageReader | None:
    """The person's stored photo for the card, or None (no photo, or its file is gone)."""
    if not person.photo:
        return None
    try:
        with person.photo.open("rb") as stored:
            return ImageReader(io.BytesIO(stored.read()))
    except OSError:
        return None


def _draw_card(pdf: canvas.Canvas, font: str, person, x: float, y: float, photo: ImageReader | None) -> None:
    pdf.roundRect(x, y, CARD_W, CARD_H, 8)
    pdf.setFont(font, 9)
    pdf.drawString(x + 10, y + CARD_H - 16, person.bank.name if person.bank_id else "")
    pdf.setFont(font, 12)
    pdf.drawString(x + 10, y + CARD_H - 32, _("Volunteer card"))
    box_x, box_y = x + 10, y + CARD_H - 40 - PHOTO_H
    if photo is not None:
        pdf.drawImage(photo, box_x, box_y, PHOTO_W, PHOTO_H, preserveAspectRatio=True, anchor="c")
    else:  # a neutral box to stick a photo in
        pdf.saveState()
        pdf.setDash(2, 2)
        pdf.setStrokeGray(0.6)
        pdf.rect(box_x, box_y, PHOTO_W, PHOTO_H)
        pdf.setFillGray(0.6)
        pdf.setFont(font, 8)
        pdf.drawCentredString(box_x + PHOTO_W / 2, box_y + PHOTO_H / 2 - 3, _("Photo"))
        pdf.restoreState()
    text_x = box_x + PHOTO_W + 8
    pdf.setFont(font, 16)
    pdf.drawString(text_x, y + CARD_H - 58, person.name)
    pdf.setFont(font, 9)
    pdf.drawString(text_x, y + CARD_H - 74, person.node.name if person.node_id else "")
    contact = person.node.contact_node() if person.node_id else None
    pdf.setFont(font, 8)
    if contact is not None and contact.phone:
        pdf.drawString(x + 10, y + 22, _("Station phone: %(phone)s") % {"phone": contact.phone})
    pdf.setFont(font, 10)
    pdf.drawString(x + 10, y + 9, person.tag_id)
    draw_qr(pdf, person.tag_id, x + CARD_W - QR_SIZE - 6, y + (CARD_H - QR_SIZE) / 2)


def _cut_marks(pdf: canvas.Canvas, x: float, y: float) -> None:
    """Short lines outside each corner, on the card's edges' lines, so the cut is straight."""
    pdf.saveState()
    pdf.setLineWidth(0.3)
    for cx, sx in ((x, -1), (x + CARD_W, 1)):
        for cy, sy in ((y, -1), (y + CARD_H, 1)):
            pdf.line(cx + sx * 2, cy, cx + sx * (2 + MARK), cy)
            pdf.line(cx, cy + sy * 2, cx, cy + sy * (2 + MARK))
    pdf.restoreState()


def volunteer_cards_pdf(people: Sequence, photo_of: Callable[[object], ImageReader | None] = lambda p: None) -> bytes:
    """Many cards on A4 sheets, COLUMNS × ROWS a page, each with cut marks at its corners."""
    font = register_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(_("Volunteer cards"))
    left = (A4[0] - COLUMNS * CARD_W - (COLUMNS - 1) * GAP_X) / 2
    top = A4[1] - (A4[1] - ROWS * CARD_H - (ROWS - 1) * GAP_Y) / 2
    per_page = COLUMNS * ROWS
    for index, person in enumerate(people):
        if index and index % per_page == 0:
            pdf.showPage()
        slot = index % per_page
        x = left + (slot % COLUMNS) * (CARD_W + GAP_X)
        y = top - (slot // COLUMNS + 1) * CARD_H - (slot // COLUMNS) * GAP_Y
        _draw_card(pdf, font, person, x, y, photo_of(person))
        _cut_marks(pdf, x, y)
    pdf.save()
    return buffer.getvalue()


def volunteer_card_pdf(person, photo: ImageReader | None = None) -> bytes:
    font = register_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(_("Volunteer card"))
    x, y = 60, A4[1] - 80 - CARD_H
    _draw_card(pdf, font, person, x, y, photo)
    _cut_marks(pdf, x, y)
    pdf.setFont(font, 9)
    pdf.drawString(x, y - 24, _("Cut along the line. Show the card at the station to check in; report a lost card "
                                "and it stops working."))
    pdf.save()
    return buffer.getvalue()
