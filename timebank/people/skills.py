"""What a volunteer says they can do (skills: kinds of service) and when they are usually free, checked
here. The people layer does not know the service catalogue: the app that owns it registers a source
(`skill_source`), as the ledger's describers are registered, and the checks ask it for a bank's codes."""
from collections.abc import Callable, Iterable

from timebank.lib.week_slots import FREE_SLOTS

from .exceptions import FreeTimesInvalid, SkillUnknown

MAX_SKILLS = 40
_sources: list[Callable[[int], dict[str, str]]] = []


def skill_source(fn: Callable[[int], dict[str, str]]) -> Callable[[int], dict[str, str]]:
    """Register `fn(bank_id) -> {code: name}`: the kinds of service a bank offers today."""
    if fn not in _sources:
        _sources.append(fn)
    return fn


def skills_of_bank(bank_id: int | None) -> dict[str, str]:
    """{code: name} of the kinds of service a volunteer of this bank may name, in catalogue order."""
    out: dict[str, str] = {}
    if bank_id is None:
        return out
    for source in _sources:
        out.update(source(bank_id))
    return out


def clean_skills(bank_id: int | None, codes: Iterable[str]) -> list[str]:
    """The codes, once each and sorted; an unknown code (or garbage) is refused."""
    codes = [str(c).strip() for c in codes or ()]
    known = skills_of_bank(bank_id)
    unknown = sorted({c for c in codes if c not in known})
    if unknown or len(set(codes)) > MAX_SKILLS:
        raise SkillUnknown(detail={"unknown": unknown[:10]})
    return sorted(set(codes))


def clean_free_slots(slots: Iterable[str]) -> list[str]:
    """The parts of the week (`mon_am` …), in week order; a slot named twice (an overlap) or not of
    the list is refused."""
    slots = [str(s).strip() for s in slots or ()]
    unknown = sorted({s for s in slots if s not in FREE_SLOTS})
    repeated = sorted({s for s in slots if slots.count(s) > 1})
    if unknown or repeated:
        raise FreeTimesInvalid(detail={"unknown": unknown[:10], "repeated": repeated})
    return [s for s in FREE_SLOTS if s in slots]
