"""Why an upload or a commit was refused. Nothing was written when one is raised."""
from django.utils.translation import gettext_lazy as _

from timebank.lib.errors import Conflict, DomainError, InvalidInput


class RosterUnreadable(InvalidInput):
    code = "import_file_unreadable"
    message = _("This file cannot be read as a roster. Upload an .xlsx workbook or a CSV file.")


class RosterEmpty(InvalidInput):
    code = "import_file_empty"
    message = _("The file is empty.")


class RosterTooLarge(InvalidInput):
    code = "import_file_too_large"
    message = _("The file is larger than 20 MB. Split the roster into smaller files.")
    status = 413


class RosterTooManyRows(InvalidInput):
    code = "import_too_many_rows"
    message = _("The file has too many rows for one import. Split the roster into smaller files.")
    status = 413


class RosterColumnsUnknown(InvalidInput):
    code = "import_columns_unknown"
    message = _("No header row with the roster's columns was found. Start from the template: it needs at least "
                "the columns Name and Resident ID number.")


class RosterColumnsMissing(InvalidInput):
    code = "import_columns_missing"
    message = _("The header row lacks a required column (Name or Resident ID number).")


class ImportKindInvalid(InvalidInput):
    code = "import_kind_invalid"
    message = _("Choose whether the roster lists elders or volunteers.")


class ImportNotCommittable(Conflict):
    code = "import_not_committable"
    message = _("This import cannot be committed now: it is still being checked, is being committed, or is done.")


class ImportNothingToCreate(Conflict):
    code = "import_nothing_to_create"
    message = _("No row of this import can be registered.")


class ImportFailed(DomainError):
    code = "import_failed"
    message = _("The import stopped on an unexpected error; nothing was registered. Try again, or ask support.")
