"""Mainland mobile numbers: 11 digits starting with 1."""
import re

_FULLWIDTH = {ord(c): ord(h) for c, h in zip("０１２３４５６７８９", "0123456789", strict=False)}
_MOBILE = re.compile(r"1[3-9]\d{9}")


def normalise_mobile(raw: str) -> str:
    digits = re.sub(r"[\s\-]", "", str(raw or "").translate(_FULLWIDTH))
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits


def is_valid_mobile(number: str) -> bool:
    return bool(_MOBILE.fullmatch(number))
