"""Why a team request was refused. Nothing was changed when one is raised."""
from django.utils.translation import gettext_lazy as _

from timebank.lib.errors import Conflict, DomainError, InvalidInput


class AlreadyMember(Conflict):
    code = "already_member"
    message = _("You are already a member of this team or have asked to join it.")


class NotPending(Conflict):
    code = "membership_not_pending"
    message = _("There is no request to join from this person.")


class NotMember(Conflict):
    code = "not_member"
    message = _("This person is not a member of the team.")


class NotLeader(DomainError):
    code = "not_team_leader"
    message = _("Only the team's leader (or staff) may do this.")
    status = 403


class LeaderCannotLeave(Conflict):
    code = "leader_cannot_leave"
    message = _("The leader cannot leave the team; staff can hand it to a new leader first.")


class TeamClosed(Conflict):
    code = "team_closed"
    message = _("This team is closed.")


class TeamNameTaken(Conflict):
    code = "team_name_taken"
    message = _("This unit already has a team with this name.")


class NotGroupDemand(InvalidInput):
    code = "not_group_demand"
    message = _("Only group activities can be claimed for a team.")


class NoMembersChosen(InvalidInput):
    code = "no_members_chosen"
    message = _("Choose at least one team member.")


class NotAVolunteer(InvalidInput):
    code = "not_a_volunteer"
    message = _("Only approved volunteers can join a team.")
