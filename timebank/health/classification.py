"""Pure rules about values: glucose unit conversion, the class of a reading under thresholds, and the
plain-words advice an elder reads. No database access."""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from .models import GlucoseContext, Level, ReadingKind

MG_DL_PER_MMOL_L = Decimal("18.0")  # glucose: mg/dL ÷ 18.0 = mmol/L (molar mass of glucose ≈ 180 g/mol)
GLUCOSE_UNITS = ("mmol/L", "mg/dL")
LIMITS = {"systolic": (40, 300), "diastolic": (20, 200), "glucose": (50, 5000), "bpm": (20, 250)}


def glucose_hundredths(value, unit: str) -> int:
    """Integer hundredths of mmol/L from a value in mmol/L or mg/dL, rounded half up: 126 mg/dL → 700."""
    if unit not in GLUCOSE_UNITS:
        raise ValueError("unit")
    if isinstance(value, bool):
        raise ValueError("value")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("value") from None
    if not number.is_finite():
        raise ValueError("value")
    mmol = number / MG_DL_PER_MMOL_L if unit == "mg/dL" else number
    return int((mmol * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


_BP, _GLUCOSE, _FASTING = ReadingKind.BP.value, ReadingKind.GLUCOSE.value, GlucoseContext.FASTING.value
_NORMAL, _LOW, _HIGH, _URGENT = Level.NORMAL, Level.LOW, Level.HIGH, Level.URGENT  # looked up once, not per reading


def classify(t, kind: str, *, systolic=None, diastolic=None, glucose=None, context="", bpm=None) -> str:
    """The level of one reading under thresholds `t` (a Thresholds row)."""
    if kind == _BP:
        if systolic >= t.bp_systolic_urgent or diastolic >= t.bp_diastolic_urgent:
            return _URGENT
        if systolic >= t.bp_systolic_high or diastolic >= t.bp_diastolic_high:
            return _HIGH
        return _NORMAL
    if kind == _GLUCOSE:
        if glucose < t.glucose_urgent_low:
            return _URGENT
        if glucose < t.glucose_low:
            return _LOW
        high = t.glucose_fasting_high if context == _FASTING else t.glucose_after_meal_high
        return _HIGH if glucose >= high else _NORMAL
    if bpm < t.heart_rate_urgent_low or bpm > t.heart_rate_urgent_high:
        return _URGENT
    if bpm < t.heart_rate_low:
        return _LOW
    if bpm > t.heart_rate_high:
        return _HIGH
    return _NORMAL


ADVICE = {
    (ReadingKind.BP, Level.NORMAL): _("Blood pressure is normal. Keep it up."),
    (ReadingKind.BP, Level.HIGH): _("Blood pressure is on the high side: rest well and take your medicine on time."),
    (ReadingKind.BP, Level.URGENT): _("Blood pressure is very high: please see a doctor today. Staff will call you."),
    (ReadingKind.GLUCOSE, Level.NORMAL): _("Blood sugar is normal. Keep eating regular meals."),
    (ReadingKind.GLUCOSE, Level.HIGH): _("Blood sugar is on the high side: eat less sugar and rice, and walk a little."),
    (ReadingKind.GLUCOSE, Level.LOW): _("Blood sugar is low: eat something now, such as a sweet or some juice."),
    (ReadingKind.GLUCOSE, Level.URGENT): _("Blood sugar is very low: eat something sweet now and call for help."),
    (ReadingKind.HEART_RATE, Level.NORMAL): _("Heart rate is normal."),
    (ReadingKind.HEART_RATE, Level.HIGH): _("Heart rate is fast: sit down and rest, and tell your doctor."),
    (ReadingKind.HEART_RATE, Level.LOW): _("Heart rate is slow: tell your doctor at your next visit."),
    (ReadingKind.HEART_RATE, Level.URGENT): _("Heart rate is far from normal: please see a doctor today."),
}


def advice_for(kind: str, level: str) -> str:
    return str(ADVICE.get((kind, level), ""))


def value_text(reading) -> str:
    """The value as people read it: "150/95 mmHg", "7.00 mmol/L", "72 bpm"."""
    if reading.kind == ReadingKind.BP:
        return f"{reading.systolic}/{reading.diastolic} mmHg"
    if reading.kind == ReadingKind.GLUCOSE:
        return f"{reading.glucose // 100}.{reading.glucose % 100:02d} mmol/L"
    return f"{reading.bpm} bpm"
