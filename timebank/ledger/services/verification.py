"""The nightly check of every bank's ledger, recorded in the audit trail and alerted on failure."""
import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.models import AuditEvent
from timebank.audit.services import audit_record
from timebank.notices.models import NoticeKind
from timebank.notices.services import notice_send
from timebank.orgs.models import Node, NodeKind, RoleGrant
from timebank.orgs.roles import Role

from .. import chain


def ledger_verified_recently(now: dt.datetime, hours: int = 20) -> bool:
    """Whether the nightly check already ran within `hours` (by the time it recorded, which is the
    services' clock)."""
    last = AuditEvent.objects.filter(action="ledger.verified").order_by("-pk").values_list("changes", flat=True).first()
    if not last or "at" not in last:
        return False
    return dt.datetime.fromisoformat(last["at"]) >= now - dt.timedelta(hours=hours)


def ledger_verify_all() -> list:
    """Verify each open bank's ledger; record the result in the audit trail and, when it fails,
    send the bank's admins a ledger alert naming the problems (the worker runs it nightly)."""
    reports = []
    for bank in Node.objects.filter(kind=NodeKind.BANK, is_closed=False).order_by("pk"):
        report = chain.verify(bank.pk)
        reports.append(report)
        with transaction.atomic():
            audit_record(actor=None, action="ledger.verified", obj=bank, node=bank, bank=bank,
                         changes={"at": timezone.now().isoformat(), "ok": report.ok, "transfers": report.transfers,
                                  "sealed": report.sealed, "unsealed": report.unsealed,
                                  "problems": report.problems[:20]})
            if not report.ok:
                admins = RoleGrant.objects.filter(node=bank, role=Role.BANK_ADMIN, revoked_at__isnull=True)
                notice_send(people=admins.values_list("person_id", flat=True), kind=NoticeKind.LEDGER_ALERT,
                            subject=("orgs.node", bank.pk), link="/ledger/chain/",
                            text=str(_("The ledger check found %(n)s problem(s): %(first)s") % {
                                "n": len(report.problems), "first": report.problems[0]}),
                            sms_text=str(_("Time bank: the nightly ledger check failed. Open Ledger seals.")))
    return reports
