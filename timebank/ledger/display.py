"""How ledger amounts and movements read to a person: minutes as hours and minutes in words,
each passbook line's kind from the member's side. Formatting only; amounts stay integers."""
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Currency, TransferKind


def minutes_in_words(minutes: int) -> str:
    """600 → "10 小时", 90 → "1 小时 30 分钟", 0 → "0 分钟"; the sign is left to the caller."""
    minutes = abs(int(minutes or 0))
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": f"{hours:,}"})
    if rest or not hours:
        parts.append(ngettext("%(n)s minute", "%(n)s minutes", rest) % {"n": rest})
    return " ".join(parts)


def points_in_words(points: int) -> str:
    points = abs(int(points or 0))
    return ngettext("%(n)s point", "%(n)s points", points) % {"n": f"{points:,}"}


def amount_in_words(amount: int, currency: str = Currency.TIME) -> str:
    return points_in_words(amount) if currency == Currency.POINTS else minutes_in_words(amount)


def signed_amount(amount: int, currency: str = Currency.TIME) -> str:
    """"+1 小时" into the account, "−30 分钟" out of it (a real minus sign, easy to see)."""
    sign = "+" if amount > 0 else "−" if amount < 0 else ""
    return sign + amount_in_words(amount, currency)


def hours_decimal(minutes: int) -> str:
    """Minutes as hours with two decimals for reports (12,345.50); exact integer arithmetic."""
    minutes = int(minutes or 0)
    sign = "-" if minutes < 0 else ""
    hundredths = (abs(minutes) * 100 + 30) // 60
    return f"{sign}{hundredths // 100:,}.{hundredths % 100:02d}"


def movement_label(kind: str, amount: int) -> str:
    """What a passbook line means to the account holder; `amount` is signed (+ in, − out)."""
    incoming = amount > 0
    labels = {
        TransferKind.SERVICE_CREDIT: (_("Hours for service given"), _("Service credit taken back")),
        TransferKind.GIFT: (_("Gift received"), _("Gift sent")),
        TransferKind.DONATION: (_("Donation received"), _("Donated to the pool")),
        TransferKind.GRANT: (_("Granted by the bank"), _("Grant paid out")),
        TransferKind.REDEMPTION: (_("Paid for a service you gave"), _("Spent on a service")),
        TransferKind.POINTS_EARN: (_("Points earned"), _("Points taken back")),
        TransferKind.POINTS_SPEND: (_("Points refunded"), _("Points spent")),
        TransferKind.CORRECTION: (_("Correction (added)"), _("Correction (taken off)")),
        TransferKind.OVERFLOW: (_("Excess over the cap received"), _("Excess over the cap donated")),
    }
    pair = labels.get(kind)
    if pair is None:
        return str(TransferKind(kind).label) if kind in TransferKind.values else kind
    return pair[0] if incoming else pair[1]


def mask_name(name: str) -> str:
    """张晓明 → 张*明, 李四 → 李*: enough for the owner to recognise, not for a stranger."""
    name = name or ""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
