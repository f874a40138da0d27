"""Why a roster row is skipped or rejected: a stable code per reason and the sentence shown for it."""
from django.utils.translation import gettext_lazy as _

REASONS = {
    "name_missing": _("The name is missing."),
    "name_invalid": _("A name has at most 50 characters."),
    "id_number_missing": _("The resident ID number is missing."),
    "id_number_format": _("A resident ID number has 18 characters: 17 digits, then a digit or X."),
    "id_number_checksum": _("The ID number's last character does not match the others (checksum)."),
    "id_number_birth_date": _("The birth date inside the ID number is not possible."),
    "birth_date_invalid": _("The birth date cannot be read; write it like 1950-03-05."),
    "birth_date_mismatch": _("The birth date does not agree with the ID number."),
    "gender_invalid": _("The gender cannot be read; write 男 or 女 (M or F)."),
    "gender_mismatch": _("The gender does not agree with the ID number."),
    "mobile_invalid": _("The mobile number is not valid: 11 digits starting with 1."),
    "mobile_missing": _("A volunteer needs a mobile number: it is how they sign in."),
    "mobile_taken": _("This mobile number is already registered to someone else."),
    "mobile_duplicate_in_file": _("This mobile number is on an earlier row of the file."),
    "duplicate_in_file": _("This ID number is on an earlier row of the file."),
    "already_registered": _("Already registered in this bank: nobody is created twice."),
    "station_missing": _("Name the service station: this roster was imported for a branch or a bank."),
    "station_unknown": _("No open service station with this name or code in your area."),
    "station_ambiguous": _("Several stations have this name; write the station's code instead."),
    "emergency_phone_invalid": _("The emergency contact's phone is too long: write one number of at most 20 digits."),
    "too_young": _("Too young for this role under the bank's rules."),
}


def reason_text(code: str) -> str:
    message = REASONS.get(code)
    return str(message) if message is not None else str(_("Refused (%(code)s).") % {"code": code})
