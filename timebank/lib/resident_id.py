"""Mainland resident ID numbers (GB 11643-1999): normalise, check, and read birth date and sex."""
import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_FULLWIDTH = {ord(c): ord(h) for c, h in zip("０１２３４５６７８９ＸｘＸ", "0123456789XXX", strict=False)}


class ResidentIdError(ValueError):
    """Why an ID number was refused; `code` is stable, the message is for people."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"


def normalise(raw: str) -> str:
    """Full-width digits to ASCII, lowercase x to X, spaces dropped."""
    return "".join(str(raw or "").translate(_FULLWIDTH).split()).upper()


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=False))
    return _CHECK_CHARS[total % 11]


def parse(raw: str) -> ResidentId:
    from django.utils.translation import gettext as _

    number = normalise(raw)
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ResidentIdError("id_number_format", _("A resident ID number has 18 characters: 17 digits, then a digit or X."))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ResidentIdError("id_number_birth_date", _("The birth date inside this ID number does not exist.")) from None
    if birth.year < 1880 or birth > timezone.localdate():
        raise ResidentIdError("id_number_birth_date", _("The birth date inside this ID number is not possible."))
    if check_char(number[:17]) != number[17]:
        raise ResidentIdError("id_number_checksum", _("This ID number's last character does not match; please check it."))
    sex = "M" if int(number[16]) % 2 else "F"
    return ResidentId(number=number, birth_date=birth, sex=sex)


def compose(region: str, birth_date: dt.date, serial: int, sex: str) -> str:
    """Build a valid number (for demo data and tests): 6-digit region, birth date, serial, sex, check."""
    serial = serial % 100
    sex_digit = (serial % 5) * 2 + (1 if sex == "M" else 0)
    first17 = f"{region[:6]:0>6}{birth_date:%Y%m%d}{serial:02d}{sex_digit}"
    return first17 + check_char(first17)
