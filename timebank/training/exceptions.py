"""Why a training request was refused. Nothing was changed when one is raised."""
from django.utils.translation import gettext_lazy as _

from timebank.lib.errors import Conflict, DomainError, InvalidInput


class SessionFull(Conflict):
    code = "session_full"
    message = _("This session is full.")


class AlreadySignedUp(Conflict):
    code = "already_signed_up"
    message = _("You have already signed up for this session.")


class SessionClosed(Conflict):
    code = "session_closed"
    message = _("This session is over or was cancelled.")


class NotSignedUp(Conflict):
    code = "not_signed_up"
    message = _("This person has not signed up for this session.")


class CheckInCodeWrong(InvalidInput):
    code = "session_code_wrong"
    message = _("That is not the code of this session.")


class CheckInNotOpen(Conflict):
    code = "check_in_not_open"
    message = _("Check-in is open from 30 minutes before the session until it ends.")


class CourseCodeTaken(Conflict):
    code = "course_code_taken"
    message = _("The bank already has a course with this code.")


class NotAVolunteer(DomainError):
    code = "not_a_volunteer"
    message = _("Only approved volunteers can sign up for training.")
    status = 403


class OrientationRequired(DomainError):
    code = "orientation_required"
    message = _("Complete the orientation course before taking your first request.")
    status = 403
