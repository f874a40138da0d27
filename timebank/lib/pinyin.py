"""Pinyin initials of a Chinese name, so staff can type `zxm` to find 张晓明."""
from pypinyin import Style, lazy_pinyin


def initials(name: str) -> str:
    letters = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors="default")
    return "".join(part[:1] for part in letters if part).lower()
