"""The one normaliser for text a person types (names, addresses, notes): Unicode NFC, and none of the invisible
characters that break exports or disguise a name — control characters (a pasted BEL, a NUL), bidirectional
overrides and isolates (U+202E turns “张三‮txt.exe” around on screen), zero-width spaces, byte-order marks.

Every person-entered text goes through it by its type: `Line` / `Text` in API schemas, `TextField` in forms
(`timebank/tests/test_text_input.py` checks that every input schema and every form uses them)."""
import re
import unicodedata
from typing import Annotated

from django import forms
from pydantic import BeforeValidator

# Kept although they are format characters: joiners that Indic and emoji sequences need.
_KEEP_FORMAT = {"\u200c", "\u200d"}
# Line and paragraph breaks, and the whitespace controls: spaces on one line.
_BREAKS = {"\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"}
_SPACES = re.compile(r"[ \u00a0\u3000]{2,}")


def _drop(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category in ("Cc", "Cs") or (category == "Cf" and ch not in _KEEP_FORMAT)


def clean_text(value: str, *, multiline: bool = False) -> str:
    """`value` without invisible and control characters, stripped; one line unless `multiline` (then line breaks
    stay, as \\n). Runs of spaces inside a line shrink to one."""
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n")
    kept = []
    for ch in text:
        if ch in _BREAKS:
            kept.append("\n" if multiline and ch in "\n\r\u2028\u2029" else " ")
        elif not _drop(ch):
            kept.append(ch)
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(kept).split("\n")]
    return "\n".join(lines).strip()


def _line(value):
    return clean_text(value) if isinstance(value, str) else value


def _text(value):
    return clean_text(value, multiline=True) if isinstance(value, str) else value


# For API schemas: `name: Line = Field(..., max_length=50)`; the length is checked on the cleaned text.
Line = Annotated[str, BeforeValidator(_line)]
Text = Annotated[str, BeforeValidator(_text)]


class TextField(forms.CharField):
    """A form's text box, cleaned by `clean_text`: one line, or several when its widget is a Textarea."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return clean_text(value, multiline=isinstance(self.widget, forms.Textarea))


def text_within(value: str, max_length: int, *, required: bool = False, code: str = "text_invalid") -> str:
    """A service's check of a typed text: stripped, present when `required`, at most `max_length`."""
    from django.utils.translation import gettext_lazy as _

    from .errors import InvalidInput

    value = (value or "").strip()
    if (required and not value) or len(value) > max_length:
        raise InvalidInput(_("Please fill this in (at most %(n)d characters).") % {"n": max_length}, code=code,
                           detail={"max_length": max_length})
    return value
