"""Parts of the week a person can serve ("free times"): weekday (mon…sun) and morning / afternoon /
evening, as `mon_am`. One vocabulary for sign-up, notice preferences, offers and matching."""
import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_PARTS = ("am", "pm", "eve")
FREE_SLOTS = tuple(f"{d}_{p}" for d in WEEKDAYS for p in DAY_PARTS)

WEEKDAY_LABELS = [("mon", gettext_lazy("Mon")), ("tue", gettext_lazy("Tue")), ("wed", gettext_lazy("Wed")),
                  ("thu", gettext_lazy("Thu")), ("fri", gettext_lazy("Fri")), ("sat", gettext_lazy("Sat")),
                  ("sun", gettext_lazy("Sun"))]
DAY_PART_LABELS = [("am", gettext_lazy("morning")), ("pm", gettext_lazy("afternoon")),
                   ("eve", gettext_lazy("evening"))]


def slot_label(slot: str) -> str:
    day, _sep, part = slot.partition("_")
    return f"{dict(WEEKDAY_LABELS).get(day, day)} {dict(DAY_PART_LABELS).get(part, part)}"


def slot_choices() -> list[tuple[str, str]]:
    """(slot, "Mon morning") in week order, for a form's choices."""
    return [(slot, slot_label(slot)) for slot in FREE_SLOTS]


def slot_grid() -> list:
    """Rows of a week table: (day, its label, [(slot, part label), …])."""
    return [(day, label, [(f"{day}_{part}", part_label) for part, part_label in DAY_PART_LABELS])
            for day, label in WEEKDAY_LABELS]


def slot_of(moment: dt.datetime) -> str:
    """The part of the week a moment falls in (local time): before 12 morning, before 18 afternoon."""
    local = timezone.localtime(moment)
    part = DAY_PARTS[0] if local.hour < 12 else DAY_PARTS[1] if local.hour < 18 else DAY_PARTS[2]
    return f"{WEEKDAYS[local.weekday()]}_{part}"
