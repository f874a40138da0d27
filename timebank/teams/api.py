"""Team endpoints: list and create teams, ask to join, and the leader's approval."""
from ninja import Router, Status
from ninja.pagination import paginate

from timebank.lib.errors import NotFound
from timebank.lib.pagination import Pages
from timebank.orgs.selectors import node_get
from timebank.people.models import Person

from . import selectors, services
from .schemas import MembershipOut, TeamIn, TeamOut

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
