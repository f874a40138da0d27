"""The monthly report of a bank or branch as an A4 PDF to send upward: key figures, the two charts
(hours served by day, services by category and by unit) and the dashboard's tables, in the CJK font
the passbook embeds (a subset)."""
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from timebank.ledger.display import hours_decimal
from timebank.lib.pdf import fit_text, register_font, wrap_text

from .charts import nice_max

PAGE_W, PAGE_H = A4
MARGIN = 42
BAR, BAR_ALT, RULE, MUTED = (0.12, 0.31, 0.55), (0.42, 0.56, 0.76), (0.82, 0.84, 0.89), (0.33, 0.33, 0.33)


class _Pages:
    """A canvas with a cursor that starts a new page when the next block does not fit."""

    def __init__(self, title: str, subtitle: str):
        self.font = register_font()
        self.buffer = io.BytesIO()
        self.c = canvas.Canvas(self.buffer, pagesize=A4, pageCompression=1)
        self.c.setTitle(title)
        self.title, self.subtitle, self.page = title, subtitle, 0
        self._new_page()

    def _new_page(self):
        if self.page:
            self.c.showPage()
        self.page += 1
        self.y = PAGE_H - MARGIN
        self.c.setFillColorRGB(*MUTED)
        self.c.setFont(self.font, 8)
        self.c.drawRightString(PAGE_W - MARGIN, MARGIN / 2, f"{self.title} · {self.page}")
        self.c.setFillColorRGB(0, 0, 0)

    def need(self, height: float):
        if self.y - height < MARGIN:
            self._new_page()

    def text(self, text: str, size: float = 10, *, gap: float = 4, x: float = MARGIN, color=(0, 0, 0)):
        self.need(size + gap)
        self.c.setFillColorRGB(*color)
        self.c.setFont(self.font, size)
        self.c.drawString(x, self.y - size, fit_text(self.c, text, self.font, size, PAGE_W - MARGIN - x))
        self.c.setFillColorRGB(0, 0, 0)
        self.y -= size + gap

    def save(self) -> bytes:
        self.c.showPage()
        self.c.save()
        return self.buffer.getvalue()


def _key_figures(doc: _Pages, figures: list[tuple[str, str]]) -> None:
    """Key figures as a grid of boxes, three per row."""
    cols, box_h, gap = 3, 50, 8
    box_w = (PAGE_W - 2 * MARGIN - gap * (cols - 1)) / cols
    for start in range(0, len(figures), cols):
        doc.need(box_h + gap)
        for i, (label, value) in enumerate(figures[start:start + cols]):
            x = MARGIN + i * (box_w + gap)
            doc.c.setStrokeColorRGB(*RULE)
            doc.c.rect(x, doc.y - box_h, box_w, box_h, stroke=1, fill=0)
            doc.c.setFillColorRGB(*MUTED)
            doc.c.setFont(doc.font, 9)
            doc.c.drawString(x + 8, doc.y - 15, fit_text(doc.c, label, doc.font, 9, box_w - 16))
            doc.c.setFillColorRGB(*BAR)
            doc.c.setFont(doc.font, 18)
            doc.c.drawString(x + 8, doc.y - 40, fit_text(doc.c, value, doc.font, 18, box_w - 16))
            doc.c.setFillColorRGB(0, 0, 0)
        doc.y -= box_h + gap


def _columns(doc: _Pages, title: str, points: list[tuple[str, float]], height: float = 130) -> None:
    doc.text(title, 12, gap=6)
    doc.need(height + 20)
    left, width = MARGIN + 40, PAGE_W - 2 * MARGIN - 40
    top_value = nice_max(max((v for _, v in points), default=0))
    base = doc.y - height
    doc.c.setFont(doc.font, 8)
    for tick in range(5):
        y = base + height * tick / 4
        doc.c.setStrokeColorRGB(*RULE)
        doc.c.line(left, y, left + width, y)
        doc.c.setFillColorRGB(*MUTED)
        doc.c.drawRightString(left - 4, y - 3, f"{top_value * tick / 4:,.2f}".rstrip("0").rstrip("."))
    slot = width / max(len(points), 1)
    for i, (_label, value) in enumerate(points):
        h = height * value / top_value
        doc.c.setFillColorRGB(*(BAR if i % 2 == 0 else BAR_ALT))
        doc.c.rect(left + i * slot + slot * 0.15, base, max(slot * 0.7, 0.5), h, stroke=0, fill=1)
    doc.c.setFillColorRGB(*MUTED)
    if points:
        doc.c.drawString(left, base - 11, points[0][0])
        doc.c.drawRightString(left + width, base - 11, points[-1][0])
    doc.c.setFillColorRGB(0, 0, 0)
    doc.y = base - 20


def _bars(doc: _Pages, title: str, rows: list[tuple[str, float, str]]) -> None:
    if not rows:
        return
    doc.text(title, 12, gap=6)
    row_h, label_w = 16, 130
    top_value = max(v for _, v, _ in rows) or 1
    span = PAGE_W - 2 * MARGIN - label_w - 70
    for label, value, text in rows:
        doc.need(row_h)
        doc.c.setFont(doc.font, 9)
        doc.c.drawRightString(MARGIN + label_w - 6, doc.y - 11, fit_text(doc.c, label, doc.font, 9, label_w - 8))
        w = span * value / top_value
        doc.c.setFillColorRGB(*BAR)
        doc.c.rect(MARGIN + label_w, doc.y - row_h + 3, max(w, 0.5), row_h - 6, stroke=0, fill=1)
        doc.c.setFillColorRGB(0, 0, 0)
        doc.c.drawString(MARGIN + label_w + w + 4, doc.y - 11, text)
        doc.y -= row_h
    doc.y -= 8


def _table(doc: _Pages, title: str, header: list, rows: list[list]) -> None:
    if not rows:
        return
    doc.need(40)
    doc.text(title, 12, gap=6)
    width = PAGE_W - 2 * MARGIN
    first = width * (0.34 if len(header) > 2 else 0.6)
    rest = (width - first) / max(len(header) - 1, 1)
    xs = [MARGIN] + [MARGIN + first + i * rest for i in range(len(header) - 1)]

    def line(cells, bold=False):
        doc.need(14)
        doc.c.setFont(doc.font, 9)
        for i, cell in enumerate(cells):
            text = "—" if cell is None else (f"{cell:,.2f}" if isinstance(cell, float) else str(cell))
            limit = (first if i == 0 else rest) - 6
            if i == 0:
                doc.c.drawString(xs[i], doc.y - 10, fit_text(doc.c, text, doc.font, 9, limit))
            else:
                doc.c.drawRightString(xs[i] + rest - 6, doc.y - 10, fit_text(doc.c, text, doc.font, 9, limit))
        doc.c.setStrokeColorRGB(*(MUTED if bold else RULE))
        doc.c.line(MARGIN, doc.y - 13, MARGIN + width, doc.y - 13)
        doc.y -= 14

    # The header is wrapped, never cut: a column's name is read whole on paper.
    wrapped = [wrap_text(doc.c, str(h), doc.font, 9, (first if i == 0 else rest) - 6)[:3] for i, h in enumerate(header)]
    lines = max(len(w) for w in wrapped)
    doc.need(12 * lines + 4)
    doc.c.setFont(doc.font, 9)
    for i, parts in enumerate(wrapped):
        for k, part in enumerate(parts):
            y = doc.y - 10 - 11 * (lines - len(parts) + k)
            if i == 0:
                doc.c.drawString(xs[i], y, part)
            else:
                doc.c.drawRightString(xs[i] + rest - 6, y, part)
    doc.c.setStrokeColorRGB(*MUTED)
    doc.c.line(MARGIN, doc.y - 13 - 11 * (lines - 1), MARGIN + width, doc.y - 13 - 11 * (lines - 1))
    doc.y -= 14 + 11 * (lines - 1)
    for row in rows:
        line(row)
    doc.y -= 8


def monthly_report_pdf(*, node, period, data: dict, tables: list[tuple[str, list, list]],
                       anchor: str | None = None, made_by=None, extras: dict | None = None) -> bytes:
    """The report for `node` over `period` from the dashboard's own figures and tables."""
    f = data["figures"]
    title = _("Monthly report") + f" · {node.name} · {period.date_from:%Y-%m}"
    doc = _Pages(title, "")
    made = timezone.localtime()
    doc.text(_("Time bank monthly report"), 20, gap=8)
    doc.text(f"{node.name}    {period.date_from:%Y-%m-%d} – {period.date_to:%Y-%m-%d}", 13, gap=4)
    recipient = node.parent.name if node.parent_id else ""
    doc.text(_("Issued by: %(issuer)s    To: %(recipient)s") % {"issuer": node.name, "recipient": recipient or "—"},
             10, gap=4)
    doc.text(_("As of %(day)s (made %(when)s from the daily totals; 1 hour = 1 time coin)")
             % {"day": f"{made:%Y-%m-%d}", "when": f"{made:%H:%M}"}, 9, gap=12, color=MUTED)

    def pct(value):
        return "—" if value is None else f"{value}%"

    _key_figures(doc, [
        (_("Registered elders"), f"{f['people']['elders_total']:,} (+{f['people']['elders_new']:,})"),
        (_("Registered volunteers"), f"{f['people']['volunteers_total']:,} (+{f['people']['volunteers_new']:,})"),
        (_("Service teams"), f"{f['teams']:,}"),
        (_("Person-times served"), f"{f['services']['person_times']:,}"),
        (_("Hours served"), hours_decimal(f["services"]["served_minutes"])),
        (_("Coins outstanding (hours)"), hours_decimal(f["coins"]["outstanding"])),
        (_("Coins issued (hours)"), hours_decimal(f["coins"]["issued"])),
        (_("Coins redeemed (hours)"), hours_decimal(f["coins"]["redeemed"])),
        (_("Coins donated (hours)"), hours_decimal(f["coins"]["donated"])),
        (_("Unmet demand"), pct(f["unmet"]["unmet_percent"])),
        (_("No-show rate"), pct(f["no_show"]["percent"])),
        (_("Average rating"), "—" if f["rating"]["average"] is None else str(f["rating"]["average"])),
    ])
    doc.y -= 6
    _columns(doc, _("Hours served over time"),
             [(p["start"][5:] if data["bucket"] != "month" else p["start"][:7], p["value"] / 60) for p in data["series"]])
    _bars(doc, _("Services by category (person-times)"),
          [(r["name"], r["services"], f"{r['services']:,}") for r in f["by_category"]])
    _bars(doc, _("Hours served by unit"),
          [(c["name"], c["served_minutes"] / 60, hours_decimal(c["served_minutes"])) for c in f["children"]])
    if extras:
        c, a = extras["complaints"], extras["alerts"]
        _key_figures(doc, [
            (_("Complaints filed"), f"{c['filed']:,}"),
            (_("Complaints resolved (upheld)"), f"{c['resolved']:,} ({c['upheld']:,})"),
            (_("Complaints open at the month's end"), f"{c['open_at_end']:,}"),
            (_("Health alerts opened (urgent)"), f"{a['opened']:,} ({a['urgent']:,})"),
            (_("Health alerts closed"), f"{a['closed']:,}"),
            (_("Health alerts open at the month's end"), f"{a['open_at_end']:,}"),
        ])
        doc.y -= 6
        _table(doc, _("Suppliers and their scores (lowest first)"),
               [_("Supplier"), _("Status"), _("Score")], [list(row) for row in extras["suppliers"]])
    skip = {str(_("Key figures")), str(_("Hours served over time"))}
    for table_title, header, rows in tables:
        if str(table_title) not in skip:
            _table(doc, str(table_title), header, rows)
    doc.need(60)
    doc.y -= 10
    doc.text(_("Made by: %(name)s        Reviewed by: ____________        Date: %(day)s")
             % {"name": made_by.name if made_by else "____________", "day": f"{made:%Y-%m-%d}"}, 11, gap=8)
    doc.text(_("Seal of the issuing unit:"), 11, gap=24)
    if anchor:
        # The ledger's chain head on the day of the report, on paper outside the database: an auditor
        # runs `verify_ledger --anchor <this>` later and learns whether the chain was rewritten since.
        doc.text(_("Ledger seal (for auditors)"), 12, gap=4)
        doc.text(_("Chain head when this report was made: bank:link:hash"), 9, gap=2, color=MUTED)
        doc.text(anchor, 8, gap=8)
    return doc.save()
