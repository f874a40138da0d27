"""The station's check-in poster (A4): the station code in large type and a QR code that opens the
volunteer's tasks with the code filled in, for check-in where the phone cannot find its location."""
import io

from django.urls import reverse
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from timebank.lib.errors import InvalidInput
from timebank.lib.pdf import register_font
from timebank.lib.public_url import public_url
from timebank.orgs.models import Node

QR = 260


def checkin_poster_pdf(station: Node) -> bytes:
    code = (station.code or "").strip()
    if not code:
        raise InvalidInput(_("This station has no check-in code yet: the bank admin sets it on the organisation page."),
                           code="station_code_missing")
    url = public_url(reverse("demands:tasks") + f"?code={code}")
    font = register_font()
    width, height = A4
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(_("Check-in poster"))
    pdf.setFont(font, 40)
    pdf.drawCentredString(width / 2, height - 100, _("Volunteers: check in here"))
    pdf.setFont(font, 24)
    pdf.drawCentredString(width / 2, height - 145, station.name)
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(QR, QR, transform=[QR / (x1 - x0), 0, 0, QR / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, (width - QR) / 2, height - 180 - QR)
    pdf.setFont(font, 18)
    pdf.drawCentredString(width / 2, height - 215 - QR, _("Scan with your phone, open your task and press “Check in”."))
    pdf.drawCentredString(width / 2, height - 245 - QR, _("If your location cannot be found, type the station code:"))
    pdf.setFont(font, 64)
    pdf.drawCentredString(width / 2, height - 330 - QR, code)
    pdf.setFont(font, 14)
    contact = station.contact_node()
    if contact is not None:
        line = _("Station phone: %(phone)s") % {"phone": contact.phone}
        pdf.drawCentredString(width / 2, 90, line + (f" · {contact.opening_hours}" if contact.opening_hours else ""))
    pdf.setFont(font, 9)
    pdf.drawCentredString(width / 2, 60, url)
    pdf.save()
    return buffer.getvalue()
