"""A station's day on paper (A4): the day's tasks in time order with the elder, the address, the
volunteers, and columns to sign in and out and for the elder's signature. Stations that keep paper
records print it in the morning and record the services from it afterwards (the paper-service page)."""
import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from timebank.lib.masking import mask_mobile
from timebank.lib.pdf import table_document
from timebank.orgs.models import Node

from .models import PLACE_HOLDING, Demand


def day_sheet_pdf(*, station: Node, day: dt.date, demands: list[Demand], made_by, now: dt.datetime) -> bytes:
    contact = station.contact_node()
    lines = [
        _("%(bank)s · %(station)s · %(day)s") % {"bank": station.bank.name if station.bank_id else "",
                                                 "station": station.name, "day": day.isoformat()},
        _("As of %(when)s · made by %(name)s · reviewed by: ________")
        % {"when": f"{timezone.localtime(now):%Y-%m-%d %H:%M}", "name": made_by.name},
    ]
    if contact is not None:
        lines.append(_("Station phone: %(phone)s") % {"phone": contact.phone}
                     + (f" · {contact.opening_hours}" if contact.opening_hours else ""))
    rows = []
    for number, demand in enumerate(demands, 1):
        start, end = timezone.localtime(demand.starts_at), timezone.localtime(demand.ends_at)
        elder = demand.elder
        volunteers = [f"{a.volunteer.name} {mask_mobile(a.volunteer.mobile) if a.volunteer.mobile else ''}".strip()
                      for a in demand.assignments.all() if a.status in PLACE_HOLDING]
        missing = demand.headcount - len(volunteers)
        rows.append([
            str(number), f"{start:%H:%M}–{end:%H:%M}",
            [demand.service_type.name, demand.get_status_display()],
            [elder.name if elder else "、".join(e.name for e in demand.elders.all()) or _("the whole community"),
             demand.address or (elder.address if elder else "")],
            volunteers + ([_("%(n)d place(s) still open") % {"n": missing}] if missing > 0 else []),
            "", "", "",
        ])
    return table_document(
        title=_("Tasks and sign sheet of the day"), lines=lines, landscape_page=True, min_lines=3,
        columns=[("#", 3), (_("Time"), 9), (_("Service"), 14), (_("Elder and address"), 24), (_("Volunteers"), 18),
                 (_("Signed in"), 8), (_("Signed out"), 8), (_("Elder's signature"), 12)],
        rows=rows or [["", "", _("No tasks this day."), "", "", "", "", ""]],
        footer=_("Keep this sheet: the services on it are recorded from it (paper services). Signed by the station: "
                 "____________"))
