"""Reads of notices: a person's own inbox, and the station's call list (scoped to the caller's reach)."""
import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from timebank.lib.errors import NotFound
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import scope_q
from timebank.people.models import Person, ProxyLink

from .models import Notice, NoticeKind, NoticePreference, SmsState

# What members are told (staff's own kinds, review and ledger alerts, are not phoned through).
CALL_KINDS = [NoticeKind.CLAIMED, NoticeKind.DISPATCHED, NoticeKind.REMINDER, NoticeKind.CANCELLED,
              NoticeKind.PLEASE_CONFIRM, NoticeKind.CREDITED, NoticeKind.DISPUTED, NoticeKind.UNCLAIMED,
              NoticeKind.CERTIFICATE_EXPIRING, NoticeKind.HEALTH_ALERT, NoticeKind.BROADCAST]
CALL_LIST_DAYS = 7


def notices_of(person: Person, *, unread: bool = False) -> QuerySet[Notice]:
    notices = Notice.objects.filter(person=person)
    return notices.filter(read_at__isnull=True) if unread else notices


def notices_to_call(actor, *, now: dt.datetime | None = None) -> QuerySet[Notice]:
    """The call list: this week's unread notices to people in the caller's reach who cannot get them
    by themselves (no mobile, so no sign-in and no short message; or their short message failed),
    not yet settled by a call. Oldest first, by station."""
    since = (now or timezone.now()) - dt.timedelta(days=CALL_LIST_DAYS)
    cannot_be_reached = Q(person__mobile__isnull=True) | Q(person__mobile="") | Q(sms=SmsState.FAILED)
    return (Notice.objects.filter(scope_q(actor, Perm.NOTICES_CALL, "person__node__path"), cannot_be_reached,
                                  kind__in=CALL_KINDS, created_at__gte=since, read_at__isnull=True,
                                  called_at__isnull=True)
            .select_related("person", "person__node").prefetch_related("calls").order_by("person__node__path",
                                                                                          "person_id", "id"))


def notice_to_call_get(actor, notice_id, *, for_update: bool = False) -> Notice:
    """One notice of the caller's call list (locked when asked); anything else is not found."""
    try:
        notices = notices_to_call(actor)
        if for_update:
            notices = notices.select_for_update(of=("self",))
        return notices.get(pk=int(notice_id))
    except (Notice.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def phones_for(people: list[Person]) -> dict[int, list[tuple[str, str]]]:
    """Whom to ring for each person: their own mobile, their emergency contact, their proxies."""
    out: dict[int, list[tuple[str, str]]] = {p.pk: [] for p in people}
    for p in people:
        if p.mobile:
            out[p.pk].append((p.name, p.mobile))
        if p.emergency_contact_phone:
            out[p.pk].append((p.emergency_contact_name or "—", p.emergency_contact_phone))
    links = ProxyLink.objects.active().filter(elder_id__in=list(out)).select_related("proxy")
    for link in links:
        if link.proxy.mobile:
            out[link.elder_id].append((f"{link.proxy.name} ({link.get_relation_display()})", link.proxy.mobile))
    return out


def notice_preference_of(person: Person) -> NoticePreference:
    """The person's preferences, or the defaults (not saved) when they never set any."""
    return NoticePreference.objects.filter(person=person).first() or NoticePreference(person=person)


def notice_preferences_of(person_ids) -> dict[int, NoticePreference]:
    found = {p.person_id: p for p in NoticePreference.objects.filter(person_id__in=list(person_ids))}
    return {pk: found.get(pk) or NoticePreference(person_id=pk) for pk in person_ids}
