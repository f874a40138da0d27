"""What every printed A4 document shares: the CJK font (a subset of a system TrueType font, embedded),
text fitted or wrapped to a width, and a QR code."""
import io
import os

from django.conf import settings
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4, landscape
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


def table_document(*, title: str, lines: list[str], columns: list[tuple[str, float]], rows: list[list],
                   footer: str = "", size: float = 10, landscape_page: bool = False, min_lines: int = 1,
                   tick_columns: frozenset[int] = frozenset()) -> bytes:
    """A printable A4 sheet: the title, a few lines under it (who made it, as of when, whom to call),
    then a table whose header repeats on every page, each cell wrapped to its column (a cell may be a
    list of lines), rows never split across pages, a page number, and `footer` (a signature block)
    after the last row. `columns` are (header, share of the width); `min_lines` leaves room to sign; each
    line of a column in `tick_columns` gets a box to tick in front of it."""
    font = register_font()
    page_w, page_h = landscape(A4) if landscape_page else A4
    margin, leading = 36, size + 3
    total = sum(share for _, share in columns)
    widths = [(page_w - 2 * margin) * share / total for _, share in columns]
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(page_w, page_h), pageCompression=1)
    pdf.setTitle(title)
    page = [0]

    def start_page() -> float:
        page[0] += 1
        y = page_h - margin
        pdf.setFont(font, 16)
        pdf.drawString(margin, y - 12, fit_text(pdf, title, font, 16, page_w - 2 * margin - 60))
        pdf.setFont(font, 9)
        pdf.drawRightString(page_w - margin, y - 12, f"{page[0]}")
        y -= 30
        for line in lines:
            pdf.drawString(margin, y, fit_text(pdf, line, font, 9, page_w - 2 * margin))
            y -= 13
        y -= 4
        pdf.setFont(font, size)
        x = margin
        for (header, _), width in zip(columns, widths, strict=True):
            pdf.drawString(x + 2, y, fit_text(pdf, header, font, size, width - 4))
            x += width
        pdf.line(margin, y - 4, page_w - margin, y - 4)
        return y - 4 - leading

    y = start_page()
    for row in rows:
        cells = []
        for value, width in zip(row, widths, strict=True):
            parts = value if isinstance(value, list) else [value]
            wrapped = []
            for part in parts:
                wrapped += wrap_text(pdf, str(part if part is not None else ""), font, size, width - 4)
            cells.append(wrapped[:6])
        height = max(min_lines, *(len(c) for c in cells)) * leading + 6
        if y - height < margin + 20:
            pdf.showPage()
            y = start_page()
        pdf.setFont(font, size)
        x = margin
        for column, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            for i, line in enumerate(cell):
                if column in tick_columns:  # drawn, not a glyph: the font may have no ballot box
                    pdf.rect(x + 2, y - i * leading - 1, size - 2, size - 2)
                    pdf.drawString(x + size + 4, y - i * leading, line)
                else:
                    pdf.drawString(x + 2, y - i * leading, line)
            x += width
        y -= height
        pdf.setStrokeGray(0.7)
        pdf.line(margin, y + leading - 2, page_w - margin, y + leading - 2)
        pdf.setStrokeGray(0)
    if footer:
        if y < margin + 40:
            pdf.showPage()
            y = start_page()
        pdf.setFont(font, 10)
        pdf.drawString(margin, y - 10, footer)
    pdf.save()
    return buffer.getvalue()
