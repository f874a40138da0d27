"""How a passbook names a transfer to or from another bank (its 摘要): which bank, whom (name masked)."""
from django.utils.translation import gettext as _

from timebank.ledger.display import mask_name
from timebank.ledger.subjects import subject_describer

from .models import CrossBankKind, CrossBankTransfer, NettingRun


@subject_describer("clearing.crossbanktransfer")
def describe_cross_bank(refs: list[str]) -> dict[str, str]:
    rows = CrossBankTransfer.objects.filter(ref__in=[r for r in refs if len(r) == 36]).select_related(
        "bank", "peer", "sender", "recipient")
    out = {}
    for row in rows:
        if row.kind == CrossBankKind.MOVE:
            text = _("Moved from %(from)s to %(to)s") % {"from": row.bank.name, "to": row.peer.name}
        elif row.kind == CrossBankKind.REDEEM:
            text = _("Service in %(to)s paid with coins of %(from)s: %(service)s (%(elder)s served by %(volunteer)s)") % {
                "to": row.peer.name, "from": row.bank.name, "service": row.memo,
                "elder": mask_name(row.sender.name), "volunteer": mask_name(row.recipient.name)}
        else:
            text = _("Gift from %(sender)s (%(from)s) to %(recipient)s (%(to)s)") % {
                "sender": mask_name(row.sender.name), "from": row.bank.name,
                "recipient": mask_name(row.recipient.name), "to": row.peer.name}
        out[str(row.ref)] = text
    return out


@subject_describer("clearing.nettingrun")
def describe_netting(ids: list[str]) -> dict[str, str]:
    runs = NettingRun.objects.filter(pk__in=[int(i) for i in ids if str(i).isdigit()])
    return {str(r.pk): _("Clearing between banks settled for %(day)s") % {"day": r.business_day} for r in runs}
