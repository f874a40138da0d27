"""The printed volunteer service record certificate (志愿服务记录证明): one A4 page with what the
national rules ask of one, in the passbook's embedded CJK font, and a QR code whose signed token
lets anyone check it against the service records (the passbook's font and QR helpers are reused)."""
import io

from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from timebank.ledger import display
from timebank.lib.pdf import QR_SIZE, draw_qr, fit_text, register_font, wrap_text
from timebank.lib.public_url import public_url

from .models import RecordCertificate
from .selectors import volunteer_number

TOKEN_SALT = "timebank.honours.record_certificate"
PAGE_W, PAGE_H = A4
MARGIN = 56


def make_token(certificate: RecordCertificate) -> str:
    """Signed: the certificate number, the person and the minutes it states."""
    return signing.dumps({"c": certificate.number, "p": certificate.person_id, "m": certificate.total_minutes},
                         salt=TOKEN_SALT, compress=True)


def read_token(token: str) -> dict:
    """The payload of a genuine token; signing.BadSignature when it was altered or not ours."""
    payload = signing.loads(token, salt=TOKEN_SALT)
    if (not isinstance(payload, dict) or not isinstance(payload.get("c"), str)
            or not all(isinstance(payload.get(k), int) for k in "pm")):
        raise signing.BadSignature("malformed")
    return payload


def verification_url(token: str) -> str:
    return public_url(reverse("honours:verify", args=[token]))


def render(certificate: RecordCertificate) -> bytes:
    font = register_font()
    person = certificate.person
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    title = _("Volunteer service record certificate")
    c.setTitle(f"{title} · {certificate.number}")
    c.setAuthor(certificate.issuer.name)
    y = PAGE_H - MARGIN - 10
    c.setFont(font, 20)
    c.drawCentredString(PAGE_W / 2, y, title)
    y -= 22
    c.setFont(font, 10)
    c.drawCentredString(PAGE_W / 2, y, _("Certificate number: %(number)s") % {"number": certificate.number})
    y -= 30
    c.setFont(font, 11.5)
    facts = [
        (_("Name"), person.name),
        (_("ID type"), _("Resident identity card")),
        (_("ID number"), person.id_masked or "—"),
        (_("Volunteer number"), volunteer_number(person)),
        (_("Total service hours"), display.minutes_in_words(certificate.total_minutes)),
    ]
    for label, value in facts:
        c.drawString(MARGIN, y, f"{label}: {value}")
        y -= 18
    y -= 8
    c.setFont(font, 11)
    c.drawString(MARGIN, y, _("Service hours and content by year and type:"))
    y -= 8
    c.setLineWidth(0.8)
    c.line(MARGIN, y, PAGE_W - MARGIN, y)
    y -= 16
    c.setFont(font, 10.5)
    years = (certificate.summary or {}).get("years", {})
    if not years:
        c.drawString(MARGIN, y, _("No service recorded yet."))
        y -= 16
    rows = [(year, kind, minutes) for year in sorted(years) for kind, minutes in sorted(years[year].items())]
    for year, kind, minutes in rows[:24]:
        c.drawString(MARGIN, y, year)
        c.drawString(MARGIN + 60, y, fit_text(c, kind, font, 10.5, 260))
        c.drawRightString(PAGE_W - MARGIN, y, display.minutes_in_words(minutes))
        y -= 16
    if len(rows) > 24:
        c.drawString(MARGIN, y, _("and %(count)s more lines (see the service record).") % {"count": len(rows) - 24})
        y -= 16
    c.line(MARGIN, y + 6, PAGE_W - MARGIN, y + 6)
    y -= 18
    c.setFont(font, 10.5)
    c.drawString(MARGIN, y, _("This is to certify that the volunteer above served the hours recorded by our "
                              "organisation."))
    y -= 30
    issued = timezone.localtime(certificate.issued_at).strftime("%Y-%m-%d")
    for label, value in [
        (_("Issuing organisation"), certificate.issuer.name),
        (_("Person in charge"), certificate.person_in_charge or "—"),
        (_("Handled by"), certificate.handler.name),
        (_("Contact"), certificate.contact or "—"),
        (_("Date of issue"), issued),
    ]:
        c.drawString(MARGIN, y, f"{label}: {value}")
        y -= 17
    url = verification_url(make_token(certificate))
    draw_qr(c, url, PAGE_W - MARGIN - QR_SIZE, MARGIN + 20)
    c.setFont(font, 9)
    c.drawString(MARGIN, MARGIN + 60, _("Scan the code to check this certificate against the service records."))
    c.setFont("Helvetica", 7)
    for i, part in enumerate(wrap_text(c, url, "Helvetica", 7, PAGE_W - 2 * MARGIN - QR_SIZE - 10)[:2]):
        c.drawString(MARGIN, MARGIN + 46 - 9 * i, part)
    c.showPage()
    c.save()
    return buffer.getvalue()
