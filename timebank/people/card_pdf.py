"""The volunteer's card (志愿者卡), printed on A4 to cut out: name, station, the card id and its QR
code, which the station scans (phone camera or a USB reader that types it) to check the volunteer in."""
import io

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from timebank.lib.pdf import QR_SIZE, draw_qr, register_font

CARD_W, CARD_H = 86 * 2.835, 54 * 2.835  # a bank card's size, in points


def volunteer_card_pdf(person) -> bytes:
    font = register_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(_("Volunteer card"))
    x, y = 60, A4[1] - 80 - CARD_H
    pdf.roundRect(x, y, CARD_W, CARD_H, 8)
    pdf.setFont(font, 9)
    pdf.drawString(x + 10, y + CARD_H - 16, person.bank.name if person.bank_id else "")
    pdf.setFont(font, 13)
    pdf.drawString(x + 10, y + CARD_H - 34, _("Volunteer card"))
    pdf.setFont(font, 18)
    pdf.drawString(x + 10, y + CARD_H - 62, person.name)
    pdf.setFont(font, 9)
    pdf.drawString(x + 10, y + CARD_H - 80, person.node.name if person.node_id else "")
    contact = person.node.contact_node() if person.node_id else None
    if contact is not None:
        pdf.drawString(x + 10, y + 24, _("Station phone: %(phone)s") % {"phone": contact.phone})
    pdf.setFont(font, 10)
    pdf.drawString(x + 10, y + 10, person.tag_id)
    draw_qr(pdf, person.tag_id, x + CARD_W - QR_SIZE - 6, y + (CARD_H - QR_SIZE) / 2)
    pdf.setFont(font, 9)
    pdf.drawString(x, y - 18, _("Cut along the line. Show the card at the station to check in; report a lost card "
                                "and it stops working."))
    pdf.save()
    return buffer.getvalue()
