"""A one-page A4 health summary for a doctor visit: the last readings of each kind and the last
30 readings, Chinese text in an embedded subset of the CJK font the passbook uses."""
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from timebank.lib.pdf import register_font

from .classification import advice_for, value_text

PAGE_W, PAGE_H = A4
MARGIN = 40


def health_summary_pdf(elder, latest: list, readings: list, thresholds) -> bytes:
    font = register_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(_("Health summary"))
    y = PAGE_H - MARGIN
    pdf.setFont(font, 18)
    pdf.drawString(MARGIN, y - 10, _("Health summary") + f" · {elder.name}")
    y -= 36
    pdf.setFont(font, 10)
    now = timezone.localtime()
    pdf.drawString(MARGIN, y, f"{_('Service station')}: {elder.node.name if elder.node else '—'}    "
                              f"{_('Printed at')}: {now:%Y-%m-%d %H:%M}")
    y -= 16
    pdf.drawString(MARGIN, y, _("Limits: blood pressure high from %(s)s/%(d)s mmHg; fasting glucose high from %(g)s mmol/L")
                   % {"s": thresholds.bp_systolic_high, "d": thresholds.bp_diastolic_high,
                      "g": f"{thresholds.glucose_fasting_high / 100:.1f}"})
    y -= 26
    pdf.setFont(font, 13)
    pdf.drawString(MARGIN, y, _("Latest readings"))
    y -= 18
    pdf.setFont(font, 11)
    for reading in latest:
        local = timezone.localtime(reading.measured_at)
        pdf.drawString(MARGIN, y, f"{reading.get_kind_display()}: {value_text(reading)}  ({reading.get_level_display()}, "
                                  f"{local:%Y-%m-%d %H:%M})")
        y -= 15
        pdf.drawString(MARGIN + 16, y, advice_for(reading.kind, reading.level))
        y -= 18
    y -= 8
    pdf.setFont(font, 13)
    pdf.drawString(MARGIN, y, _("Recent readings"))
    y -= 18
    pdf.setFont(font, 9)
    for reading in readings[:36]:
        if y < MARGIN:
            break
        local = timezone.localtime(reading.measured_at)
        pdf.drawString(MARGIN, y, f"{local:%Y-%m-%d %H:%M}")
        pdf.drawString(MARGIN + 100, y, reading.get_kind_display())
        pdf.drawString(MARGIN + 190, y, value_text(reading))
        pdf.drawString(MARGIN + 320, y, reading.get_level_display())
        pdf.drawString(MARGIN + 390, y, _("by hand") if reading.manual else "")
        y -= 13
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
