"""Unified social credit codes (统一社会信用代码, GB 32100-2015): normalise, check, and compose."""

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_FULLWIDTH = {ord(c): ord(h) for c, h in zip("０１２３４５６７８９", "0123456789", strict=True)}


class CreditCodeError(ValueError):
    """Why a code was refused; `code` is stable, the message is for people."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


def normalise(raw: str) -> str:
    """Full-width digits to ASCII, letters upper-case, spaces and dashes dropped."""
    text = str(raw or "").translate(_FULLWIDTH).upper()
    return "".join(ch for ch in text if not ch.isspace() and ch != "-")


def check_char(first17: str) -> str:
    total = sum(CHARSET.index(ch) * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def parse(raw: str) -> str:
    """The normalised code, or CreditCodeError: 18 characters of the GB 32100 set, digits for the
    administrative division (positions 3–8), and a matching check character."""
    from django.utils.translation import gettext as _

    code = normalise(raw)
    if len(code) != 18 or any(ch not in CHARSET for ch in code):
        raise CreditCodeError("credit_code_format", _(
            "A unified social credit code has 18 characters: digits and capital letters except I, O, S, V and Z."))
    if not code[2:8].isdigit():
        raise CreditCodeError("credit_code_format", _(
            "Characters 3 to 8 of a unified social credit code are the digits of a region code."))
    if check_char(code[:17]) != code[17]:
        raise CreditCodeError("credit_code_checksum", _(
            "The last character of this credit code does not match; please check it."))
    return code


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except CreditCodeError:
        return False
    return True


def compose(body17: str) -> str:
    """Append the check character (for demo data and tests)."""
    body17 = normalise(body17)
    return body17 + check_char(body17)
