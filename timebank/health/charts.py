"""Trend charts as inline SVG drawn on the server (no JavaScript, no CDN): one line per value with
the threshold bands shaded behind it."""
import datetime as dt
from html import escape

from django.utils.safestring import SafeString, mark_safe

from .models import ReadingKind

W, H, PAD_L, PAD_R, PAD_T, PAD_B = 640, 220, 44, 12, 12, 24
SCALES = {ReadingKind.BP: (40, 220), ReadingKind.GLUCOSE: (200, 2000), ReadingKind.HEART_RATE: (30, 150)}


def _bands(kind: str, t) -> list[tuple[float, float, str]]:
    """(from, to, css class) value ranges to shade: high and urgent (and low for glucose / heart rate)."""
    if kind == ReadingKind.BP:
        return [(t.bp_systolic_high, t.bp_systolic_urgent, "band-high"), (t.bp_systolic_urgent, 10_000, "band-urgent")]
    if kind == ReadingKind.GLUCOSE:
        return [(0, t.glucose_urgent_low, "band-urgent"), (t.glucose_urgent_low, t.glucose_low, "band-high"),
                (t.glucose_fasting_high, 100_000, "band-high")]
    return [(0, t.heart_rate_urgent_low, "band-urgent"), (t.heart_rate_urgent_low, t.heart_rate_low, "band-high"),
            (t.heart_rate_high, t.heart_rate_urgent_high, "band-high"), (t.heart_rate_urgent_high, 1000, "band-urgent")]


def trend_svg(readings, kind: str, thresholds, start: dt.datetime, end: dt.datetime, title: str) -> SafeString:
    low, high = SCALES[kind]
    span = max((end - start).total_seconds(), 1)

    def x(at: dt.datetime) -> float:
        return PAD_L + (W - PAD_L - PAD_R) * min(max((at - start).total_seconds() / span, 0), 1)

    def y(value: float) -> float:
        value = min(max(value, low), high)
        return PAD_T + (H - PAD_T - PAD_B) * (1 - (value - low) / (high - low))

    parts = [f'<svg class="trend" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for a, b, css in _bands(kind, thresholds):
        top, bottom = y(min(b, high)), y(max(a, low))
        if bottom > top:
            parts.append(f'<rect class="{css}" x="{PAD_L}" y="{top:.1f}" width="{W - PAD_L - PAD_R}" '
                         f'height="{bottom - top:.1f}"/>')
    for tick in range(5):
        value = low + (high - low) * tick / 4
        label = f"{value / 100:.1f}" if kind == ReadingKind.GLUCOSE else f"{value:.0f}"
        parts.append(f'<text class="tick" x="{PAD_L - 4}" y="{y(value) + 4:.1f}" text-anchor="end">{label}</text>')
    parts.append(f'<text class="tick" x="{PAD_L}" y="{H - 6}">{start:%Y-%m-%d}</text>'
                 f'<text class="tick" x="{W - PAD_R}" y="{H - 6}" text-anchor="end">{end:%Y-%m-%d}</text>')
    rows = sorted(readings, key=lambda r: r.measured_at)
    fields = {ReadingKind.BP: ["systolic", "diastolic"], ReadingKind.GLUCOSE: ["glucose"],
              ReadingKind.HEART_RATE: ["bpm"]}[kind]
    for i, field in enumerate(fields):
        points = " ".join(f"{x(r.measured_at):.1f},{y(getattr(r, field)):.1f}" for r in rows)
        if points:
            parts.append(f'<polyline class="line line-{i}" points="{points}"/>')
            parts.extend(f'<circle class="dot dot-{r.level}" cx="{x(r.measured_at):.1f}" '
                         f'cy="{y(getattr(r, field)):.1f}" r="3"/>' for r in rows)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is a number or escaped
