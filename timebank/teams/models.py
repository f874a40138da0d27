"""Service teams (服务团队): a team at an org node with one leader, members who join by request,
and the group-demand places a leader claimed for members."""
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.orgs.rules import RuleSet


class Team(models.Model):
    """The leader is kept on the team (not as a TEAM_LEADER role grant): leading gives power over
    this team only, never over the node's other teams or people."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    node = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="teams", verbose_name=_("unit"))
    name = models.CharField(_("team name"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    leader = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="teams_led",
                               verbose_name=_("leader"))
    created_by = models.ForeignKey("people.Person", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["node__path", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["node", "name"], condition=Q(closed_at__isnull=True),
                                               name="teams_one_open_name_per_node")]

    def __str__(self) -> str:
        return self.name


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the leader")
    APPROVED = "approved", _("Member")
    REJECTED = "rejected", _("Not accepted")
    LEFT = "left", _("Left the team")


LIVE_MEMBERSHIP = (MembershipStatus.PENDING, MembershipStatus.APPROVED)


class Membership(models.Model):
    """One request to join and what became of it; a person has at most one live (pending or
    approved) membership per team. Rows are kept when people leave."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="team_memberships",
                               verbose_name=_("volunteer"))
    status = models.CharField(_("status"), max_length=12, choices=MembershipStatus.choices,
                              default=MembershipStatus.PENDING)
    requested_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["team", "id"]
        constraints = [models.UniqueConstraint(fields=["team", "person"], condition=Q(status__in=["pending", "approved"]),
                                               name="teams_one_live_membership")]

    def __str__(self) -> str:
        return f"{self.person} in {self.team}"


class TeamClaim(models.Model):
    """A place on a demand the team's leader claimed for a member: the hours count as team hours."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="claims")
    assignment = models.OneToOneField("demands.Assignment", on_delete=models.PROTECT, related_name="team_claim")
    claimed_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    claimed_at = models.DateTimeField(default=timezone.now)
    donated_transfer = models.ForeignKey("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")

    def __str__(self) -> str:
        return f"{self.team} → assignment {self.assignment_id}"


class TeamRules(RuleSet):
    """The bank's rules for service teams."""

    team_hours_donation_only = models.BooleanField(
        _("hours earned in team activities are donated to the pool"), default=False,
        help_text=_("Nanjing: hours earned by teams can only be donated."))

    class Meta(RuleSet.Meta):
        pass
