"""Template filters and tags for ledger pages: amounts in words, movement labels, ledger links."""
from django import template

from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

from .. import display
from ..models import Currency

register = template.Library()


@register.filter
def minutes_words(minutes) -> str:
    return display.minutes_in_words(minutes)


@register.filter
def amount_words(amount, currency=Currency.TIME) -> str:
    return display.amount_in_words(amount, currency)


@register.filter
def signed_words(amount, currency=Currency.TIME) -> str:
    return display.signed_amount(amount, currency)


@register.filter
def hours(minutes) -> str:
    return display.hours_decimal(minutes)


@register.filter
def movement(line) -> str:
    return display.movement_label(line.transfer.kind, line.amount)


@register.filter
def masked_name(name) -> str:
    return display.mask_name(name)


@register.simple_tag(takes_context=True)
def ledger_reach(context, person=None) -> dict:
    """What ledger pages the signed-in person may open: for the navigation (no person) or on a
    member's record (`person`): view their coins, grant to them."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if person is not None:
        node = person.node
        return {
            "view": node is not None and person.bank_id is not None and has_perm(user, Perm.LEDGER_VIEW, node),
            "grant": node is not None and person.bank_id is not None and has_perm(user, Perm.LEDGER_GRANT, node),
        }
    return {
        "corrections": has_perm(user, Perm.LEDGER_CORRECT),
        "liability": _at_a_bank(user, Perm.LEDGER_VIEW),
        "chain": _at_a_bank(user, Perm.LEDGER_VIEW) and _at_a_bank(user, Perm.AUDIT_VIEW),
    }


def _at_a_bank(user, perm: str) -> bool:
    from timebank.orgs.selectors import nodes_with

    return any(node.kind in ("bank", "platform") for node in nodes_with(user, perm))
