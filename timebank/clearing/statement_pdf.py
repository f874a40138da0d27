"""A bank's clearing statement for one netting run: what its members sent to and received from each
other bank, the balance settled, and the net — printable A4 for the bank's files and the platform."""
from django.utils import timezone
from django.utils.translation import gettext as _

from timebank.ledger.display import minutes_in_words, points_in_words
from timebank.ledger.models import Currency
from timebank.lib.pdf import table_document


def statement(*, run, bank, positions) -> bytes:
    rows, net = [], {}
    for p in positions:
        net[p.currency] = net.get(p.currency, 0) + p.balance
        owes = _("%(bank)s owes %(peer)s") if p.balance > 0 else _("%(peer)s owes %(bank)s")
        rows.append([p.peer.name, p.get_currency_display(),
                     str(p.sent), str(p.received), str(abs(p.balance)),
                     (owes % {"bank": bank.name, "peer": p.peer.name}) if p.balance else "—",
                     f"T{p.settlement_id}" if p.settlement_id else "—"])
    lines = [
        _("Bank: %(bank)s") % {"bank": bank.name},
        _("Business day: %(day)s · run %(id)s · %(records)s records between banks") % {
            "day": run.business_day, "id": run.pk, "records": run.records},
        *[_("Net: %(words)s") % {"words": (_("owes the other banks %(m)s") if n > 0 else
                                           _("is owed %(m)s by the other banks") if n < 0 else _("nothing owed"))
                                 % {"m": minutes_in_words(abs(n)) if c == Currency.TIME else points_in_words(n)}}
          for c, n in sorted(net.items(), key=lambda item: item[0] != Currency.TIME)],
        _("As of %(when)s (Asia/Shanghai). Amounts in minutes.") % {
            "when": timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M")},
    ]
    columns = [(_("Other bank"), 2.2), (_("Currency"), 1), (_("Sent"), 1), (_("Received"), 1), (_("Settled"), 1),
               (_("Who owed whom"), 2.6), (_("Settlement"), 1.1)]
    footer = _("Prepared by: ____________   Checked by: ____________   Date: ____________   (seal)")
    return table_document(title=_("Clearing statement between banks"), lines=lines, columns=columns, rows=rows,
                          footer=footer)
