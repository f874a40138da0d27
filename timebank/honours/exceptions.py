"""Why an honours or service-record request was refused. Nothing was changed when one is raised."""
from django.utils.translation import gettext_lazy as _

from timebank.lib.errors import Conflict, InvalidInput


class CorrectionNotPending(Conflict):
    code = "correction_not_pending"
    message = _("This request was already decided.")


class DescriptionRequired(InvalidInput):
    code = "description_required"
    message = _("Say what is wrong with the record.")
