"""Finding people, always inside what the actor's roles reach."""
from django.db.models import Q, QuerySet

from timebank.lib.errors import DomainError, NotFound
from timebank.lib.mobile import normalise_mobile
from timebank.lib.queries import filter_given
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, scope_q

from .exceptions import ProxyConfirmOwn, ProxyNotPending, SecondPersonRequired
from .models import FAMILY_RELATIONS, ApiToken, Person, PersonStatus, ProxyLink, VolunteerStatus


def people_visible_to(actor, perm: str = Perm.PEOPLE_VIEW) -> QuerySet[Person]:
    return Person.objects.filter(scope_q(actor, perm, "node__path")).select_related("node", "bank")


def people_search(actor, *, query: str = "", role: str = "", status: str = "", station_id: int | None = None,
                  volunteer_status: str = "") -> QuerySet[Person]:
    """Name, pinyin initials (`zxm`), last four digits of phone or ID number; newest first."""
    people = people_visible_to(actor)
    query = (query or "").strip()
    if query:
        q = Q(name__icontains=query)
        lowered = query.lower()
        if lowered.isascii() and lowered.isalpha():
            q |= Q(name_initials__startswith=lowered)
        digits = normalise_mobile(query).upper()
        if len(digits) == 4 and (digits.isdigit() or digits[:3].isdigit() and digits[3] == "X"):
            q |= Q(mobile__endswith=digits) | Q(id_tail=digits)
        elif digits.isdigit() and len(digits) == 11:
            q |= Q(mobile=digits)
        people = people.filter(q)
    if role == "elder":
        people = people.filter(is_elder=True)
    elif role == "volunteer":
        people = people.filter(is_volunteer=True)
    elif role == "proxy":
        people = people.filter(proxy_for__revoked_at__isnull=True, proxy_for__confirmed_at__isnull=False).distinct()
    return filter_given(people, status=status, volunteer_status=volunteer_status, node_id=station_id).order_by("-id")


def person_get(actor, person_id, perm: str = Perm.PEOPLE_VIEW) -> Person:
    """A person the actor may see with `perm`, themselves, or 404."""
    try:
        person_id = int(person_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    if actor is not None and actor.pk == person_id and perm == Perm.PEOPLE_VIEW:
        return Person.objects.select_related("node", "bank").get(pk=person_id)
    person = people_visible_to(actor, perm).filter(pk=person_id).first()
    if person is None:
        raise NotFound()
    return person


def approval_queue(actor) -> QuerySet[Person]:
    return (people_visible_to(actor, Perm.VOLUNTEERS_APPROVE)
            .filter(volunteer_status=VolunteerStatus.PENDING).order_by("created_at"))


def elders_acted_for(actor) -> QuerySet[Person]:
    """Elders this person may act for as a proxy (confirmed links only)."""
    return Person.objects.filter(proxies__proxy=actor, proxies__revoked_at__isnull=True,
                                 proxies__confirmed_at__isnull=False).distinct()


def proxy_links_of(elder: Person) -> QuerySet[ProxyLink]:
    """The elder's links in force and those waiting for confirmation, oldest first."""
    return (ProxyLink.objects.filter(elder=elder, revoked_at__isnull=True)
            .select_related("elder__node", "proxy", "created_by").order_by("created_at", "pk"))


def proxy_links_visible_to(actor) -> QuerySet[ProxyLink]:
    """Links the actor may see: of elders in their people reach, their own as elder or as proxy."""
    q = scope_q(actor, Perm.PEOPLE_VIEW, "elder__node__path")
    if getattr(actor, "pk", None):
        q |= Q(elder=actor) | Q(proxy=actor)
    return ProxyLink.objects.filter(q).select_related("elder__node", "proxy", "created_by", "confirmed_by")


def proxy_link_get(actor, link_id) -> ProxyLink:
    try:
        return proxy_links_visible_to(actor).get(pk=int(link_id))
    except (ProxyLink.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None


def proxy_links_to_confirm(actor) -> QuerySet[ProxyLink]:
    """Pending links the actor may confirm: as staff who may edit the elder (not their own requests,
    not links that would make them the proxy), or as the elder. Oldest first."""
    if actor is None or not getattr(actor, "pk", None):
        return ProxyLink.objects.none()
    staff = ProxyLink.objects.filter(scope_q(actor, Perm.PEOPLE_EDIT, "elder__node__path")).exclude(
        proxy=actor).exclude(created_by=actor)
    return (ProxyLink.objects.pending().filter(Q(pk__in=staff.values("pk")) | Q(elder=actor))
            .select_related("elder__node", "proxy", "created_by").order_by("created_at", "pk"))


def proxy_links_asked_by(actor) -> QuerySet[ProxyLink]:
    """Pending links this staff member asked for: someone else confirms them."""
    return (ProxyLink.objects.pending().filter(created_by=actor).select_related("elder__node", "proxy")
            .order_by("created_at", "pk"))


def proxy_links_awaited_by(proxy) -> QuerySet[ProxyLink]:
    """Pending links that would let this person act for an elder, once confirmed."""
    return ProxyLink.objects.pending().filter(proxy=proxy).select_related("elder").order_by("created_at", "pk")


def proxy_confirm_refusal(actor, link: ProxyLink) -> DomainError | None:
    """Why the actor may not confirm this link, or None when they may: the elder, or staff who may edit
    the elder and neither asked for the link nor are its proxy (four eyes)."""
    staff = link.elder.node is not None and has_perm(actor, Perm.PEOPLE_EDIT, link.elder.node)
    if actor.pk not in (link.elder_id, link.proxy_id) and not staff:
        return NotFound()
    if not link.is_pending:
        return ProxyNotPending()
    if actor.pk == link.proxy_id:
        return ProxyConfirmOwn()
    if actor.pk != link.elder_id and actor.pk == link.created_by_id:
        return SecondPersonRequired()
    return None


def can_act_for(actor, elder: Person) -> bool:
    """The elder themselves, a proxy whose link is confirmed, or staff whose reach includes the
    elder's station."""
    if actor is None or not getattr(actor, "pk", None):
        return False
    if actor.pk == elder.pk:
        return True
    if ProxyLink.objects.active().filter(proxy=actor, elder=elder).exists():
        return True
    return elder.node is not None and has_perm(actor, Perm.PEOPLE_EDIT, elder.node)


def reaches_every_role_of(actor, person: Person, perm: str) -> bool:
    """Staff may change someone's account only if that person's own roles lie within the staff
    member's reach: station staff must not reset the password of a bank admin who lives nearby."""
    from timebank.orgs.models import RoleGrant

    grants = RoleGrant.objects.filter(person=person, revoked_at__isnull=True).select_related("node")
    return all(has_perm(actor, perm, grant.node) for grant in grants)


def can_see_full(actor, person: Person) -> bool:
    return person.node is not None and has_perm(actor, Perm.PEOPLE_VIEW_FULL, person.node)


def person_by_mobile(actor, mobile: str, perm: str = Perm.PEOPLE_VIEW) -> Person:
    """The person with this mobile number inside the actor's reach, or NotFound."""
    number = normalise_mobile(mobile)
    person = people_visible_to(actor, perm).filter(mobile=number).first() if number else None
    if person is None:
        raise NotFound()
    return person


def relative_in_platform(elder: Person, mobile: str) -> Person:
    """An active member of another bank of the elder's platform with this mobile number: a family member
    who may be linked to the elder across banks. Only the elder's staff ask (with PEOPLE_EDIT on the elder)."""
    from timebank.orgs.models import Node

    number = normalise_mobile(mobile or "")
    platform = Node.objects.filter(pk=elder.bank_id).values_list("parent_id", flat=True).first()
    person = (Person.objects.filter(mobile=number, status=PersonStatus.ACTIVE, bank__parent_id=platform)
              .exclude(bank_id=elder.bank_id).first() if number and platform else None)
    if person is None:
        raise NotFound()
    return person


def proxy_by_mobile(actor, elder: Person, mobile: str, relation: str) -> Person:
    """Who staff link as the elder's proxy by mobile number (page and API): someone in the actor's reach,
    or else, for a family relation, a member of another bank of the elder's platform."""
    try:
        return person_by_mobile(actor, mobile)
    except NotFound:
        if relation not in FAMILY_RELATIONS:
            raise
        return relative_in_platform(elder, mobile)


def api_tokens_of(person) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(person=person).order_by("-created_at")


def login_locked_out(person) -> bool:
    """Whether too many failed sign-ins with this person's mobile number locked it out, from any address."""
    from axes.helpers import get_cool_off, get_failure_limit
    from axes.models import AccessAttempt
    from django.utils import timezone

    if not person.mobile:
        return False
    attempts = AccessAttempt.objects.filter(username=person.mobile, failures_since_start__gte=get_failure_limit(None, {}))
    cool_off = get_cool_off()
    if cool_off:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts.exists()


def elders_matching(actor, query: str, *, among: QuerySet[Person], limit: int = 20) -> list[Person]:
    """The pickers' search: active elders matching `query` (name, pinyin initials, last digits) among
    those a form may choose (`among`, already scoped to the purpose)."""
    if not query:
        return []
    found = people_search(actor, query=query, role="elder", status=PersonStatus.ACTIVE)
    return list(found.filter(pk__in=among.values("pk")).select_related("node")[:limit])


def volunteers_for_cards(actor, *, query: str = "", station_id: int | None = None, approved_only: bool = True,
                         without_card_only: bool = True) -> QuerySet[Person]:
    """The active volunteers staff may issue cards to (people.edit in reach), by the people search,
    by station; approved ones and those without a card or wristband by default."""
    people = people_search(actor, query=query, role="volunteer", status=PersonStatus.ACTIVE, station_id=station_id,
                           volunteer_status=VolunteerStatus.APPROVED if approved_only else "")
    people = people.filter(scope_q(actor, Perm.PEOPLE_EDIT, "node__path"))
    if without_card_only:
        people = people.filter(tag_id="")
    return people
