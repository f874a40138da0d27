"""The printed passbook (存折): an A4 PDF with the member's movements and running balance, Chinese
text in an embedded subset of a CJK TrueType font, and on every page a QR code whose signed token
lets anyone check the rows printed so far against the ledger."""
import io
from dataclasses import dataclass

from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from timebank.lib.pdf import QR_SIZE, draw_qr, fit_text, register_font, wrap_text
from timebank.lib.public_url import public_url

from . import display
from .models import Account
from .selectors import PassbookLine

TOKEN_SALT = "timebank.ledger.passbook"

PAGE_W, PAGE_H = A4
MARGIN = 40
ROW_H = 19
FIRST_PAGE_ROWS = 28
OTHER_PAGE_ROWS = 34


# ---- the signed token behind each page's QR code ----------------------------------------------

def make_token(*, account: Account, year: int | None, opening: int, lines: list[PassbookLine]) -> str:
    """Signed: the account, the year, the opening balance, and of the rows printed so far their
    number, the last transfer id and the balance after it."""
    last = lines[-1] if lines else None
    payload = {"a": account.pk, "y": year or 0, "o": opening, "n": len(lines),
               "l": last.transfer.pk if last else 0, "b": last.balance if last else opening}
    return signing.dumps(payload, salt=TOKEN_SALT, compress=True)


def read_token(token: str) -> dict:
    """The payload of a genuine token; signing.BadSignature when it was altered or not ours."""
    payload = signing.loads(token, salt=TOKEN_SALT)
    if not isinstance(payload, dict) or not all(isinstance(payload.get(k), int) for k in "ayonlb"):
        raise signing.BadSignature("malformed")
    return payload


def verification_url(token: str) -> str:
    return public_url(reverse("ledger:verify", args=[token]))


# ---- drawing ---------------------------------------------------------------------------------

@dataclass
class PassbookDocument:
    bank: str
    branch: str
    station: str
    member: str
    id_masked: str
    period: str
    account: Account
    year: int | None
    opening: int
    lines: list[PassbookLine]
    currency: str = "time"


def _pages(lines: list) -> list[tuple[int, int]]:
    """(start, end) row indexes per page; an empty passbook still has one page."""
    pages, start, size = [], 0, FIRST_PAGE_ROWS
    while True:
        pages.append((start, min(start + size, len(lines))))
        start += size
        size = OTHER_PAGE_ROWS
        if start >= len(lines):
            return pages


def render(doc: PassbookDocument) -> bytes:
    font = register_font()
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    c.setTitle(_("Time bank passbook") + f" · {doc.member}")
    c.setAuthor(doc.bank)
    c.setSubject(doc.period)
    def amount(minutes: int) -> str:
        return display.amount_in_words(minutes, doc.currency)

    def signed(minutes: int) -> str:
        return display.signed_amount(minutes, doc.currency)

    pages = _pages(doc.lines)
    printed = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    columns = [  # (title, x, width, align)
        (_("Date"), MARGIN, 60, "l"),
        (_("Movement"), MARGIN + 62, 96, "l"),
        (_("Details (摘要)"), MARGIN + 160, 190, "l"),
        (_("Amount"), MARGIN + 352, 80, "r"),
        (_("Balance"), MARGIN + 434, PAGE_W - 2 * MARGIN - 434, "r"),
    ]
    for number, (start, end) in enumerate(pages, 1):
        y = PAGE_H - MARGIN
        c.setFont(font, 16)
        c.drawString(MARGIN, y - 12, _("Time bank passbook"))
        c.setFont(font, 10)
        c.drawRightString(PAGE_W - MARGIN, y - 10, f"{doc.bank} · {doc.branch}")
        y -= 24
        c.setLineWidth(1.2)
        c.line(MARGIN, y, PAGE_W - MARGIN, y)
        y -= 16
        c.setFont(font, 10.5)
        if number == 1:
            facts = [
                (_("Member"), doc.member), (_("ID number"), doc.id_masked),
                (_("Service station"), doc.station or "—"), (_("Period"), doc.period),
                (_("Opening balance"), amount(doc.opening)), (_("Printed"), printed),
            ]
            for i, (label, value) in enumerate(facts):
                col_x = MARGIN + (i % 2) * (PAGE_W - 2 * MARGIN) / 2
                c.drawString(col_x, y, f"{label}: {value}")
                if i % 2:
                    y -= 16
            y -= 6
        else:
            c.drawString(MARGIN, y, f"{doc.member} · {doc.id_masked} · {doc.period}")
            y -= 20
        # Table head.
        c.setFont(font, 10)
        for title, x, width, align in columns:
            (c.drawRightString(x + width, y, title) if align == "r" else c.drawString(x, y, title))
        y -= 5
        c.setLineWidth(0.8)
        c.line(MARGIN, y, PAGE_W - MARGIN, y)
        y -= ROW_H - 4
        c.setFont(font, 9.5)
        if not doc.lines:
            c.drawString(MARGIN, y, _("No movements in this period."))
        for line in doc.lines[start:end]:
            when = timezone.localtime(line.transfer.created_at).strftime("%Y-%m-%d")
            # 摘要: the service, the elder or supplier and the time where the ledger knows them.
            cells = [when, display.movement_label(line.transfer.kind, line.amount), line.summary or line.counterparty,
                     signed(line.amount), amount(line.balance)]
            for (_title, x, width, align), text in zip(columns, cells, strict=True):
                text = fit_text(c, str(text), font, 9.5, width - 4)
                (c.drawRightString(x + width, y, text) if align == "r" else c.drawString(x, y, text))
            c.setStrokeGray(0.8)
            c.setLineWidth(0.4)
            c.line(MARGIN, y - 5, PAGE_W - MARGIN, y - 5)
            c.setStrokeGray(0)
            y -= ROW_H
        if end == len(doc.lines) and doc.lines:
            c.setFont(font, 10.5)
            closing = _("Closing balance: %(amount)s") % {"amount": amount(doc.lines[-1].balance)}
            if doc.account.pending_debits:  # coins set aside for services booked are not spendable yet
                closing += " · " + _("set aside for services booked: %(amount)s") % {
                    "amount": amount(doc.account.pending_debits)}
            c.drawRightString(PAGE_W - MARGIN, y - 4, closing)
        # Footer: QR code over the rows printed so far, the address under it, page numbers.
        token = make_token(account=doc.account, year=doc.year, opening=doc.opening, lines=doc.lines[:end])
        url = verification_url(token)
        draw_qr(c, url, PAGE_W - MARGIN - QR_SIZE, MARGIN + 10)
        c.setFont(font, 9)
        c.drawString(MARGIN, MARGIN + 70, _("Scan the code to check the rows printed up to this page against the ledger."))
        c.drawString(MARGIN, MARGIN + 56, _("Rows 1 to %(end)s of %(total)s.") % {"end": end, "total": len(doc.lines)})
        c.setFont("Helvetica", 7)
        for i, part in enumerate(wrap_text(c, url, "Helvetica", 7, PAGE_W - 2 * MARGIN - QR_SIZE - 10)[:2]):
            c.drawString(MARGIN, MARGIN + 42 - 9 * i, part)
        c.setFont(font, 9)
        c.drawString(MARGIN, MARGIN + 10, _("Page %(page)s of %(pages)s") % {"page": number, "pages": len(pages)})
        c.showPage()
    c.save()
    return buffer.getvalue()


def period_label(year: int | None) -> str:
    if year:
        return _("Year %(year)s") % {"year": year}
    return _("All movements to %(date)s") % {"date": timezone.localdate().strftime("%Y-%m-%d")}
