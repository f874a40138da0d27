"""Errors of the operators' tools in `ops`."""
from django.utils.translation import gettext_lazy as _

from timebank.lib.errors import DomainError


class BankExportRefused(DomainError):
    """The bank cannot be written to a file as it stands (nothing was written)."""

    code = "bank_export_refused"
    message = _("The bank cannot be exported.")


class BankFileRefused(DomainError):
    """A bank file that is damaged, truncated, of another version or made with other keys; or a
    target that already holds the bank or rows with its ids. Nothing was written."""

    code = "bank_file_refused"
    message = _("The bank file cannot be imported. Nothing was written.")
