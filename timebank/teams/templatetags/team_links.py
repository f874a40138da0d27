"""The teams a person leads, for their home page (the people app cannot import teams)."""
from django import template
from django.db.models import Count, Q

from timebank.teams.models import MembershipStatus, Team

register = template.Library()


@register.simple_tag
def teams_led(person) -> list[Team]:
    """Open teams this person leads, each with `waiting`: the volunteers whose request to join waits for them."""
    if not getattr(person, "pk", None):
        return []
    return list(Team.objects.filter(leader=person, closed_at__isnull=True).select_related("node")
                .annotate(waiting=Count("memberships", filter=Q(memberships__status=MembershipStatus.PENDING)))
                .order_by("name"))
