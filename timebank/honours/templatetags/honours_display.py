"""`{% star_level person %}`: a volunteer's stars, for pages of lower apps (home, passbook) that must
not import honours themselves."""
from django import template

from timebank.honours.selectors import star_level as star_level_of

register = template.Library()


@register.inclusion_tag("honours/_stars.html")
def star_level(person) -> dict:
    return {"stars": star_level_of(person) if person is not None and person.is_volunteer else None}
