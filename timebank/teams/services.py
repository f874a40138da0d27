"""Every write of teams: create, join → approve/reject, leave, a leader's group claim for named
members (through the demands services, one place per member), and the team-hours donation rule."""
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from timebank.audit.services import audit_record
from timebank.demands import services as demand_services
from timebank.demands.models import Assignment, Demand, ServiceMode
from timebank.demands.services import demand_notify
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, Transfer, TransferKind
from timebank.lib.errors import DomainError, InvalidInput, NotFound
from timebank.notices.models import NoticeKind
from timebank.orgs.models import Node
from timebank.people.models import Person, VolunteerStatus
from timebank.teams.models import TeamRules

from . import selectors
from .exceptions import (
    AlreadyMember,
    LeaderCannotLeave,
    NoMembersChosen,
    NotAVolunteer,
    NotGroupDemand,
    NotLeader,
    NotMember,
    NotPending,
    TeamClosed,
    TeamNameTaken,
)
from .models import Membership, MembershipStatus, Team, TeamClaim


def _lock_team(team: Team) -> Team:
    locked = Team.objects.select_for_update(of=("self",)).select_related("node", "leader").filter(pk=team.pk).first()
    if locked is None:
        raise NotFound()
    return locked


def _require_leader(actor, team: Team) -> None:
    """A leader acting on another team (one they can see) is told so; anyone else learns nothing."""
    if selectors.may_lead(actor, team):
        return
    if selectors.teams_visible_to(actor).filter(pk=team.pk).exists():
        raise NotLeader()
    raise NotFound()


def _audit(actor, action: str, obj, team: Team, **changes) -> None:
    audit_record(actor=actor, action=action, obj=obj, node=team.node, bank=team.node.bank, changes=changes)


def team_create(*, actor: Person, node: Node, name: str, leader: Person, description: str = "") -> Team:
    """Staff set up a team at a node they manage; the leader becomes its first member."""
    if not selectors.has_perm(actor, selectors.MANAGE, node):
        raise NotFound()
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise InvalidInput(_("A team needs a name of at most 80 characters."), code="team_name_invalid")
    if leader.bank_id != node.bank_id or leader.volunteer_status != VolunteerStatus.APPROVED:
        raise InvalidInput(_("The leader must be an approved volunteer of this bank."), code="leader_invalid")
    try:
        with transaction.atomic():
            team = Team.objects.create(bank_id=node.bank_id, node=node, name=name, leader=leader,
                                       description=(description or "").strip(), created_by=actor)
            Membership.objects.create(team=team, person=leader, status=MembershipStatus.APPROVED,
                                      decided_at=timezone.now(), decided_by=actor)
            _audit(actor, "team.created", team, team, name=name, leader=leader.pk)
    except IntegrityError:
        raise TeamNameTaken() from None
    return team


def team_join(*, actor: Person, team: Team) -> Membership:
    """A volunteer asks to join; the leader decides."""
    if actor.volunteer_status != VolunteerStatus.APPROVED:
        raise NotAVolunteer()
    with transaction.atomic():
        team = _lock_team(team)
        if not selectors.teams_visible_to(actor).filter(pk=team.pk).exists():
            raise NotFound()
        if team.closed_at is not None:
            raise TeamClosed()
        if selectors.membership_of(team, actor) is not None:
            raise AlreadyMember()
        membership = Membership.objects.create(team=team, person=actor)
        _audit(actor, "team.join_requested", membership, team)
    return membership


def membership_decide(*, actor: Person, team: Team, person: Person, approve: bool) -> Membership:
    with transaction.atomic():
        team = _lock_team(team)
        _require_leader(actor, team)
        membership = (Membership.objects.select_for_update()
                      .filter(team=team, person=person, status=MembershipStatus.PENDING).first())
        if membership is None:
            raise NotPending()
        membership.status = MembershipStatus.APPROVED if approve else MembershipStatus.REJECTED
        membership.decided_at, membership.decided_by = timezone.now(), actor
        membership.save(update_fields=["status", "decided_at", "decided_by"])
        _audit(actor, "team.member_approved" if approve else "team.member_rejected", membership, team,
               person=person.pk)
    return membership


def team_leave(*, actor: Person, team: Team, person: Person | None = None) -> Membership:
    """A member leaves (or withdraws a request); the leader or staff may remove a member."""
    person = person or actor
    with transaction.atomic():
        team = _lock_team(team)
        if person.pk != actor.pk:
            _require_leader(actor, team)
        membership = selectors.membership_of(team, person)
        if membership is None:
            raise NotMember()
        if person.pk == team.leader_id:
            raise LeaderCannotLeave()
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        membership.status, membership.left_at = MembershipStatus.LEFT, timezone.now()
        membership.save(update_fields=["status", "left_at"])
        _audit(actor, "team.member_left", membership, team, person=person.pk)
    return membership


def team_claim(*, actor: Person, team: Team, demand: Demand, members: list[Person]) -> list[Assignment]:
    """认领: the leader takes places on a group activity for named members, all or none. Each
    member then checks in, is confirmed and credited individually like any volunteer."""
    if not members:
        raise NoMembersChosen()
    with transaction.atomic():
        team = _lock_team(team)
        _require_leader(actor, team)
        if team.closed_at is not None:
            raise TeamClosed()
        if demand.service_type.mode != ServiceMode.GROUP:
            raise NotGroupDemand()
        approved = set(selectors.memberships(team, MembershipStatus.APPROVED).values_list("person_id", flat=True))
        assignments = []
        for member in sorted({m.pk: m for m in members}.values(), key=lambda m: m.pk):
            if member.pk not in approved:
                raise NotMember(detail={"person_id": member.pk})
            try:
                assignment = demand_services.demand_claim_for_member(actor=actor, demand=demand, volunteer=member)
            except DomainError as err:
                err.detail = {**err.detail, "person_id": member.pk}
                raise
            TeamClaim.objects.create(team=team, assignment=assignment, claimed_by=actor)
            assignments.append(assignment)
        _audit(actor, "team.claimed", team, team, demand=demand.pk, members=[a.volunteer_id for a in assignments])
        demand_notify([a.volunteer_id for a in assignments], NoticeKind.DISPATCHED, demand, team.name)
    return assignments


def team_hours_donate(*, assignment: Assignment, demand: Demand, minutes: int, actor=None) -> Transfer | None:
    """Under the bank rule "team hours donation-only" (Nanjing), coins just credited for a team
    place go on to the bank's pool as the member's donation. Called inside the credit's transaction."""
    claim = TeamClaim.objects.filter(assignment=assignment).first()
    if claim is None or not minutes or not TeamRules.in_force(demand.bank).team_hours_donation_only:
        return None
    transfer = ledger.transfer_post(
        debit=ledger.member_account(assignment.volunteer), credit=ledger.system_account(demand.branch, AccountKind.POOL),
        amount=minutes, kind=TransferKind.DONATION, actor=actor, subject=assignment,
        memo=_("Team hours donated (bank rule)"), idempotency_key=f"assignment:{assignment.pk}:team-donation")
    TeamClaim.objects.filter(pk=claim.pk).update(donated_transfer=transfer)
    return transfer
