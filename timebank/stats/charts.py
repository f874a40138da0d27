"""Charts of the dashboard as inline SVG drawn on the server (no JavaScript, no CDN). Colours are
attributes, so the same markup prints and needs no stylesheet; every chart has its table beside it."""
from html import escape

from django.utils.safestring import SafeString, mark_safe

INK, BAR, BAR_ALT, RULE, MUTED = "#1a1a1a", "#1f4e8c", "#6a8fc2", "#d0d7e2", "#555"


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 - every piece is a number or escaped
        f'<svg class="stats-chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif"><title>{escape(title)}</title>'
        + "".join(body) + "</svg>")


def nice_max(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def bar_chart(rows: list[tuple[str, float, str]], title: str, *, width: int = 720) -> SafeString:
    """Horizontal bars, one per (label, value, value as text), largest scale at the right."""
    row_h, label_w, pad = 34, 250, 10
    height = max(1, len(rows)) * row_h + 2 * pad
    top = nice_max(max((v for _, v, _ in rows), default=0))
    span = width - label_w - 110
    body = []
    for i, (label, value, text) in enumerate(rows):
        y = pad + i * row_h
        w = span * (value / top) if top else 0
        body.append(f'<text x="{label_w - 8}" y="{y + 22}" text-anchor="end" font-size="17" fill="{INK}">'
                    f'{escape(label if len(label) <= 20 else label[:19] + "…")}</text>'
                    f'<rect x="{label_w}" y="{y + 5}" width="{max(w, 1):.1f}" height="{row_h - 10}" fill="{BAR}"/>'
                    f'<text x="{label_w + w + 8:.1f}" y="{y + 22}" font-size="17" fill="{INK}">{escape(text)}</text>')
    if not rows:
        body.append(f'<text x="{pad}" y="{pad + 20}" font-size="17" fill="{MUTED}">—</text>')
    return _svg(width, height, title, body)


def column_chart(points: list[tuple[str, float]], title: str, *, width: int = 720, height: int = 260,
                 unit: str = "") -> SafeString:
    """Vertical columns over time (label under the first, middle and last column)."""
    pad_l, pad_r, pad_t, pad_b = 64, 12, 14, 36
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b
    top = nice_max(max((v for _, v in points), default=0))
    body = []
    for tick in range(5):
        value = top * tick / 4
        y = pad_t + inner_h * (1 - tick / 4)
        label = f"{value:,.2f}".rstrip("0").rstrip(".")
        body.append(f'<line x1="{pad_l}" y1="{y:.1f}" x2="{width - pad_r}" y2="{y:.1f}" stroke="{RULE}"/>'
                    f'<text x="{pad_l - 6}" y="{y + 5:.1f}" text-anchor="end" font-size="14" fill="{MUTED}">'
                    f'{label}</text>')
    n = max(len(points), 1)
    slot = inner_w / n
    for i, (label, value) in enumerate(points):
        h = inner_h * (value / top) if top else 0
        x = pad_l + i * slot
        body.append(f'<rect x="{x + slot * 0.15:.1f}" y="{pad_t + inner_h - h:.1f}" width="{max(slot * 0.7, 1):.1f}" '
                    f'height="{h:.1f}" fill="{BAR if i % 2 == 0 else BAR_ALT}"><title>{escape(label)}: '
                    f'{value:,.1f}{escape(unit)}</title></rect>')
    for i in sorted({0, len(points) // 2, len(points) - 1}):
        if 0 <= i < len(points):
            anchor = "start" if i == 0 else ("end" if i == len(points) - 1 else "middle")
            x = pad_l + i * slot + (0 if anchor == "start" else slot if anchor == "end" else slot / 2)
            body.append(f'<text x="{x:.1f}" y="{height - 10}" text-anchor="{anchor}" font-size="14" fill="{MUTED}">'
                        f'{escape(points[i][0])}</text>')
    return _svg(width, height, title, body)
