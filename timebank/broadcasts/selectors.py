"""Who a message to a group reaches, and the messages staff may see: all scoped to notices.broadcast."""
import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.lib.errors import InvalidInput, NotFound
from timebank.orgs.models import Node
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import node_get, nodes_visible_to, scope_q
from timebank.people.models import Person, PersonStatus, VolunteerStatus
from timebank.teams.models import MembershipStatus, Team
from timebank.training.models import Certificate, Course

from .models import Audience, Broadcast


def broadcast_nodes(actor) -> QuerySet[Node]:
    return nodes_visible_to(actor, Perm.NOTICES_BROADCAST)


def broadcast_node_get(actor, node_id) -> Node:
    return node_get(actor, node_id, Perm.NOTICES_BROADCAST)


def broadcast_teams(actor) -> QuerySet[Team]:
    """Open teams at nodes where the actor may send messages."""
    return (Team.objects.filter(scope_q(actor, Perm.NOTICES_BROADCAST, "node__path"), closed_at__isnull=True)
            .select_related("node"))


def broadcast_team_get(actor, team_id) -> Team:
    try:
        return broadcast_teams(actor).get(pk=int(team_id))
    except (Team.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def broadcast_courses(actor) -> list[tuple[str, str]]:
    """(code, name) of the courses of the banks the actor reaches."""
    banks = set(broadcast_nodes(actor).values_list("bank_id", flat=True))
    seen: dict[str, str] = {}
    for code, name in Course.objects.filter(bank_id__in=banks).order_by("code", "id").values_list("code", "name"):
        seen.setdefault(code, name)
    return sorted(seen.items())


def audience_people(node: Node, audience: str, *, team: Team | None = None, course_code: str = "",
                    now: dt.datetime | None = None) -> QuerySet[Person]:
    """The active people of `node`'s subtree in the chosen group (a team: its approved members)."""
    people = Person.objects.filter(bank_id=node.bank_id, node__path__startswith=node.path,
                                   status=PersonStatus.ACTIVE)
    if audience == Audience.ELDERS:
        return people.filter(is_elder=True)
    volunteers = people.filter(is_volunteer=True, volunteer_status=VolunteerStatus.APPROVED)
    if audience == Audience.VOLUNTEERS:
        return volunteers
    if audience == Audience.TEAM:
        if team is None:
            raise InvalidInput(_("Choose the team."), code="team_required")
        return people.filter(team_memberships__team=team, team_memberships__status=MembershipStatus.APPROVED)
    if audience == Audience.CERTIFICATE:
        if not course_code:
            raise InvalidInput(_("Choose the certificate."), code="course_required")
        now = now or timezone.now()
        held = Certificate.objects.filter(course__code=course_code, revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        return volunteers.filter(pk__in=held.values("person_id"))
    raise InvalidInput(_("Choose to whom the message goes."), code="audience_invalid")


def broadcasts_visible_to(actor) -> QuerySet[Broadcast]:
    return (Broadcast.objects.filter(scope_q(actor, Perm.NOTICES_BROADCAST, "node__path"))
            .select_related("node", "sent_by", "team"))
