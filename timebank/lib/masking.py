"""How personal numbers are shown to people who may not see them whole."""


def mask_id_number(number: str) -> str:
    if not number:
        return ""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_mobile(number: str) -> str:
    if not number:
        return ""
    if len(number) != 11:
        return "*" * max(len(number) - 4, 0) + number[-4:]
    return number[:3] + "****" + number[-4:]
