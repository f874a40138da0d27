"""`background_behind` for staff pages: the banner that says notices and figures may be late."""
from django.core.cache import cache

from .selectors import background_state

CACHE_SECONDS = 15


def _behind() -> list[str]:
    behind = cache.get("ops:behind")
    if behind is None:
        behind = background_state()["behind"]
        cache.set("ops:behind", behind, CACHE_SECONDS)
    return behind


def background(request) -> dict:
    # A callable: the template calls it only on staff pages (`nav.staff and background_behind`).
    return {"background_behind": _behind}
