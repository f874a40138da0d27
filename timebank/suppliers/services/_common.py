"""Shared helpers of the supplier services: the status alias, row lock, members, messages, text checks."""
from collections.abc import Iterable

from django.db import transaction

from timebank.lib.errors import NotFound
from timebank.lib.sms import sms_send
from timebank.lib.text import text_within
from timebank.people.models import Person

from ..models import Supplier, SupplierMember, SupplierStatus

S = SupplierStatus


def _tell(people: Iterable[Person], text: str) -> None:
    """A short message to each person with a mobile, once the transaction has committed."""
    numbers = sorted({p.mobile for p in people if p is not None and p.mobile})
    if numbers:
        transaction.on_commit(lambda: [sms_send(n, str(text)) for n in numbers])


def _members(supplier: Supplier) -> list[Person]:
    return [m.person for m in SupplierMember.objects.filter(supplier=supplier, revoked_at__isnull=True)
            .select_related("person")]


def _lock_supplier(supplier_id: int) -> Supplier:
    supplier = Supplier.objects.select_for_update(of=("self",)).select_related("node", "bank").filter(
        pk=supplier_id).first()
    if supplier is None:
        raise NotFound()
    return supplier


_text = text_within  # the one check of typed text (timebank/lib/text.py)
