"""The one access layer for elders: who may reach an elder, for what.

Every code path that takes an elder from a caller (an id in an API payload, a form's choice, a
picker's value) fetches it here, and every service that acts for an elder checks it here again, so
the rule lives in one place and cannot be present in a page and missing from the API:

- the elder themselves;
- a person the elder has an active proxy link for (`elders_acted_for`);
- staff holding `for_` (a `Perm`) at a node whose subtree contains the elder's station; with
  `for_=SELF_OR_PROXY`, nobody by a staff role (a member's own page, or an actor who is not staff
  where the action happens).

Anyone else gets `NotFound`, exactly as for an id that does not exist: the answer never tells
whether an elder lives in another branch. Whether the person is an elder, active, of the right
bank, is checked by the caller afterwards (a validation error, only once the elder is reached).

`for_` is required: there is no default purpose and no `actor=None` bypass (code running
without an actor, such as the task worker, does not come through here)."""
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from timebank.lib.errors import NotFound
from timebank.orgs.selectors import scope_q

from .models import Person
from .selectors import elders_acted_for

SELF_OR_PROXY = "self_or_proxy"  # the purpose for which no staff role reaches anyone


def _reach_q(actor, for_: str) -> Q:
    if actor is None or not getattr(actor, "pk", None) or not for_:
        return Q(pk__in=[])
    q = Q(pk=actor.pk) | Q(pk__in=elders_acted_for(actor).values("pk"))
    if for_ != SELF_OR_PROXY:
        q |= scope_q(actor, for_, "node__path")
    return q


def elders_in_reach(actor, *, for_: str) -> QuerySet[Person]:
    """Every person `actor` may reach as an elder for the purpose `for_` (a `Perm`, or SELF_OR_PROXY)."""
    return Person.objects.filter(_reach_q(actor, for_)).select_related("node", "bank")


def access_elder(actor, elder_id, *, for_: str) -> Person:
    """The elder with this id if `actor` may reach them for `for_`, else NotFound."""
    if isinstance(elder_id, Person):
        elder_id = elder_id.pk
    try:
        elder_id = int(elder_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    person = elders_in_reach(actor, for_=for_).filter(pk=elder_id).first()
    if person is None:
        raise NotFound()
    return person


def access_elders(actor, elder_ids: Iterable, *, for_: str) -> list[Person]:
    """The elders with these ids, in the order given, if `actor` reaches every one; else NotFound."""
    ids = []
    for value in elder_ids:
        value = value.pk if isinstance(value, Person) else value
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            raise NotFound() from None
    if not ids:
        return []
    found = {p.pk: p for p in elders_in_reach(actor, for_=for_).filter(pk__in=set(ids))}
    if any(i not in found for i in ids):
        raise NotFound()
    return [found[i] for i in ids]


def access_person(actor, person_id, *, for_: str) -> Person:
    """A person's own records (service record, certificates): themself, or staff holding `for_` over
    the person's station; anyone else gets NotFound. No proxy: a proxy acts for an elder's coins and
    requests, not for their volunteer records."""
    try:
        person_id = int(person_id.pk if isinstance(person_id, Person) else person_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    if actor is None or not getattr(actor, "pk", None):
        raise NotFound()
    if actor.pk == person_id:
        return actor
    person = Person.objects.filter(pk=person_id).filter(scope_q(actor, for_, "node__path")).first()
    if person is None:
        raise NotFound()
    return person
