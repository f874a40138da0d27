"""Team endpoints: list and create teams, ask to join, and the leader's approval."""
from ninja import Router, Status
from ninja.pagination import paginate

from timebank.lib.errors import NotFound
from timebank.lib.pagination import Pages
from timebank.orgs.selectors import node_get
from timebank.people.models import Person

from . import selectors, services
from .schemas import MembershipOut, TeamClaimIn, TeamIn, TeamOut, TeamPlaceOut

router = Router(tags=["teams"])


@router.get("/teams", response=list[TeamOut], summary="Teams the caller can see")
@paginate(Pages)
def team_list(request):
    return selectors.teams_visible_to(request.auth).filter(closed_at__isnull=True).order_by("id")


@router.post("/teams", response={201: TeamOut}, summary="Create a team at a node (staff)")
def team_create(request, payload: TeamIn):
    node = node_get(request.auth, payload.node_id, selectors.MANAGE)
    leader = Person.objects.filter(pk=payload.leader_id, bank_id=node.bank_id).first()
    if leader is None:
        raise NotFound()
    team = services.team_create(actor=request.auth, node=node, name=payload.name, leader=leader,
                                description=payload.description)
    return Status(201, team)


@router.post("/teams/{team_id}/join", response={201: MembershipOut}, summary="Ask to join a team")
def team_join(request, team_id: int):
    team = selectors.team_get(request.auth, team_id)
    return Status(201, services.team_join(actor=request.auth, team=team))


@router.post("/teams/{team_id}/members/{person_id}/approve", response=MembershipOut,
             summary="The leader (or staff) accepts a request to join")
def member_approve(request, team_id: int, person_id: int):
    team = selectors.team_get(request.auth, team_id)
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound()
    return services.membership_decide(actor=request.auth, team=team, person=person, approve=True)


def _member(team, person_id: int) -> Person:
    person = Person.objects.filter(pk=person_id, team_memberships__team=team).first()
    if person is None:
        raise NotFound()
    return person


@router.post("/teams/{team_id}/members/{person_id}/decline", response=MembershipOut,
             summary="The leader (or staff) declines a request to join")
def member_decline(request, team_id: int, person_id: int):
    team = selectors.team_get(request.auth, team_id)
    return services.membership_decide(actor=request.auth, team=team, person=_member(team, person_id), approve=False)


@router.post("/teams/{team_id}/members/{person_id}/remove", response=MembershipOut,
             summary="The leader (or staff) removes a member")
def member_remove(request, team_id: int, person_id: int):
    team = selectors.team_get(request.auth, team_id)
    return services.team_leave(actor=request.auth, team=team, person=_member(team, person_id))


@router.post("/teams/{team_id}/leave", response=MembershipOut, summary="Leave a team (or withdraw a request to join)")
def team_leave(request, team_id: int):
    team = selectors.team_get(request.auth, team_id)
    return services.team_leave(actor=request.auth, team=team)


@router.post("/teams/{team_id}/claims", response={201: list[TeamPlaceOut]},
             summary="认领: the leader takes places on a group activity for named members, all or none")
def team_claim(request, team_id: int, payload: TeamClaimIn):
    actor = request.auth
    team = selectors.team_get(actor, team_id)
    if not selectors.may_lead(actor, team):
        raise NotFound()
    demand = selectors.claimable_demands(team, limit=None).filter(pk=payload.demand_id).first()
    if demand is None:
        raise NotFound()
    members = list(Person.objects.filter(pk__in=payload.member_ids))
    if len(members) != len(set(payload.member_ids)):
        raise NotFound()
    return Status(201, services.team_claim(actor=actor, team=team, demand=demand, members=members))
