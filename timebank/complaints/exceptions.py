"""Why a complaint could not be filed or change. Nothing was changed when one is raised. A step out of
turn and a missing reason are the suppliers' errors (the same codes and messages)."""
from django.utils.translation import gettext_lazy as _

from timebank.lib.errors import InvalidInput
from timebank.suppliers.exceptions import InvalidTransition, ReasonRequired

__all__ = ["InvalidTransition", "PhotoTooLarge", "ReasonRequired", "SubjectRequired", "UploadInvalid"]


class UploadInvalid(InvalidInput):
    code = "upload_invalid"
    message = _("Photos must be JPEG, PNG or WebP images of at most 5 MB.")


class PhotoTooLarge(UploadInvalid):
    code = "photo_too_large"
    status = 413
    message = _("This photo has too many pixels: at most 40 megapixels (about 7,700 × 5,200). "
                "Send a smaller copy, as a phone's “share” usually does.")


class SubjectRequired(InvalidInput):
    code = "subject_required"
    message = _("Say whom or which service the complaint is about.")
