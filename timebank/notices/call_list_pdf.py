"""The call list on paper (A4): whom to ring, at which numbers, what to tell them, and boxes to tick
for what came of it, for stations that work from a printed sheet and enter the results afterwards."""
import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from timebank.lib.pdf import table_document


def call_list_pdf(rows: list[dict], *, made_by, now: dt.datetime) -> bytes:
    bank = made_by.bank.name if made_by.bank_id else ""
    title = _("Call list")
    outcomes = [_("Reached and told"), _("No answer, call again"), _("No number that works")]
    table = [[str(number), [row["notice"].person.name,
                            row["notice"].person.node.name if row["notice"].person.node else ""],
              [f"{name} {phone}" for name, phone in row["phones"]] or [_("no number on record")],
              " · ".join(part for part in (str(row["notice"].get_kind_display()), row["notice"].label,
                                           row["notice"].text) if part), outcomes]
             for number, row in enumerate(rows, 1)]
    return table_document(
        title=f"{bank} · {title}" if bank else title,
        lines=[_("As of %(when)s · made by %(name)s · reviewed by: ________")
               % {"when": f"{timezone.localtime(now):%Y-%m-%d %H:%M}", "name": made_by.name}],
        columns=[("#", 4), (_("Name and station"), 18), (_("Ring"), 28), (_("What to tell"), 28),
                 (_("What came of it"), 22)],
        rows=table or [["", _("Nobody to call: everyone has been told."), "", "", ""]], tick_columns=frozenset({4}))
