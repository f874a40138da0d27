"""Reads of teams: which teams an actor sees, members with their hours, and the team's upcoming work."""
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from timebank.demands.models import Assignment, AssignmentStatus, Demand, DemandStatus, ServiceMode
from timebank.lib.errors import NotFound
from timebank.orgs.models import NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, scope_q
from timebank.people.models import Person

from .models import LIVE_MEMBERSHIP, Membership, MembershipStatus, Team, TeamClaim

MANAGE = Perm.VOLUNTEERS_APPROVE  # staff who approve volunteers also run teams
SERVED = (AssignmentStatus.CONFIRMED, AssignmentStatus.CREDITED)


def _home_area_q(person) -> Q:
    """Teams of the person's home branch (any station of it) and of the nodes above it."""
    node = getattr(person, "node", None)
    if node is None or person.bank_id is None:
        return Q(pk__in=[])
    parts = [p for p in node.path.split("/") if p]
    ancestors = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    q = Q(node__path__in=ancestors)
    branch_path = node.parent.path if node.kind == NodeKind.STATION and node.parent_id else (
        node.path if node.kind == NodeKind.BRANCH else None)
    if branch_path:
        q |= Q(node__path__startswith=branch_path)
    return q & Q(bank_id=person.bank_id)


def is_team_staff(actor, team: Team) -> bool:
    return has_perm(actor, MANAGE, team.node)


def may_lead(actor, team: Team) -> bool:
    return team.leader_id == getattr(actor, "pk", None) or is_team_staff(actor, team)


def teams_visible_to(actor) -> QuerySet[Team]:
    if not getattr(actor, "pk", None):
        return Team.objects.none()
    q = scope_q(actor, MANAGE, "node__path") | _home_area_q(actor) | Q(leader=actor) | Q(
        memberships__person=actor, memberships__status__in=LIVE_MEMBERSHIP)
    return Team.objects.filter(q).distinct().select_related("node", "leader")


def team_get(actor, team_id) -> Team:
    try:
        return teams_visible_to(actor).get(pk=int(team_id))
    except (Team.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def membership_of(team: Team, person: Person) -> Membership | None:
    return Membership.objects.filter(team=team, person=person, status__in=LIVE_MEMBERSHIP).first()


def memberships(team: Team, status: str | None = None) -> QuerySet[Membership]:
    rows = Membership.objects.filter(team=team).select_related("person").order_by("person__name", "id")
    if status:
        rows = rows.filter(status=status)
    return rows


def teams_of(person: Person) -> QuerySet[Team]:
    return Team.objects.filter(memberships__person=person, memberships__status=MembershipStatus.APPROVED,
                               closed_at__isnull=True).select_related("node", "leader").distinct()


@dataclass
class MemberRow:
    membership: Membership
    served_minutes: int
    team_minutes: int
    services: int


def member_rows(team: Team) -> list[MemberRow]:
    """Approved members with their served minutes overall and in this team's activities."""
    rows = list(memberships(team, MembershipStatus.APPROVED))
    ids = [m.person_id for m in rows]
    served = {r["volunteer_id"]: r for r in Assignment.objects.filter(volunteer_id__in=ids, status__in=SERVED)
              .values("volunteer_id").annotate(minutes=Sum("served_minutes"), n=Count("id"))}
    in_team = dict(TeamClaim.objects.filter(team=team, assignment__status__in=SERVED)
                   .values("assignment__volunteer_id").annotate(m=Sum("assignment__served_minutes"))
                   .values_list("assignment__volunteer_id", "m"))
    return [MemberRow(m, (served.get(m.person_id) or {}).get("minutes") or 0, in_team.get(m.person_id) or 0,
                      (served.get(m.person_id) or {}).get("n") or 0) for m in rows]


def upcoming_work(team: Team, limit: int = 50) -> QuerySet[Assignment]:
    """Places members hold from now on, whether the leader or the member took them."""
    ids = memberships(team, MembershipStatus.APPROVED).values_list("person_id", flat=True)
    return (Assignment.objects.filter(volunteer_id__in=ids, status__in=[AssignmentStatus.CLAIMED,
                                                                        AssignmentStatus.CHECKED_IN],
                                      ends_at__gt=timezone.now())
            .select_related("demand", "demand__service_type", "demand__station", "volunteer")
            .order_by("starts_at", "id")[:limit])


def claimable_demands(team: Team, limit: int | None = 50) -> QuerySet[Demand]:
    """Open group activities in the team's branch area that still have places (`limit=None`: all)."""
    node = team.node
    path = node.parent.path if node.kind == NodeKind.STATION and node.parent_id else node.path
    return (Demand.objects.filter(station__path__startswith=path, service_type__mode=ServiceMode.GROUP,
                                  status=DemandStatus.PUBLISHED, starts_at__gt=timezone.now())
            .select_related("service_type", "station").order_by("starts_at", "id")[:limit])
