"""What every printed A4 document shares: the CJK font (a subset of a system TrueType font, embedded),
text fitted or wrapped to a width, and a QR code."""
import os

from django.conf import settings
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_NAME = "TimebankCJK"
_FALLBACK_FONT = "STSong-Light"  # reportlab's built-in CID font: not embedded, used only without a system font
QR_SIZE = 88


def font_path() -> str | None:
    """settings.CJK_FONT_PATH if set, else the first of settings.CJK_FONT_CANDIDATES on this system."""
    candidates = [settings.CJK_FONT_PATH] if getattr(settings, "CJK_FONT_PATH", "") else []
    candidates += list(getattr(settings, "CJK_FONT_CANDIDATES", []))
    return next((path for path in candidates if path and os.path.exists(path)), None)


def register_font() -> str:
    """Register the CJK font once; reportlab embeds only the glyphs used (a subset)."""
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    path = font_path()
    if path is None:
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        if _FALLBACK_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(_FALLBACK_FONT))
        return _FALLBACK_FONT
    # A TrueType collection (.ttc) holds several faces: the first is the regular one.
    extra = {"subfontIndex": 0} if path.lower().endswith(".ttc") else {}
    pdfmetrics.registerFont(TTFont(FONT_NAME, path, **extra))
    return FONT_NAME


def fit_text(c: canvas.Canvas, text: str, font: str, size: float, width: float) -> str:
    if c.stringWidth(text, font, size) <= width:
        return text
    while text and c.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def wrap_text(c: canvas.Canvas, text: str, font: str, size: float, width: float) -> list[str]:
    """Break a long address into lines that fit (anywhere: it has no spaces)."""
    lines, current = [], ""
    for char in text:
        if current and c.stringWidth(current + char, font, size) > width:
            lines.append(current)
            current = ""
        current += char
    return lines + [current]


def draw_qr(c: canvas.Canvas, url: str, x: float, y: float) -> None:
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(QR_SIZE, QR_SIZE, transform=[QR_SIZE / (x1 - x0), 0, 0, QR_SIZE / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, c, x, y)
