"""Notices: written in the caller's transaction (so a committed change never loses its notice),
their short messages sent afterwards by the worker from the same rows (the outbox)."""
import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.lib.errors import Conflict, InvalidInput
from timebank.lib.nudge import nudge_on_commit
from timebank.lib.push import push_enabled, push_send
from timebank.lib.sms import sms_send
from timebank.lib.text import clean_text
from timebank.people.models import Person

from .models import (
    FREE_SLOTS,
    CallOutcome,
    Notice,
    NoticeCall,
    NoticeKind,
    NoticePreference,
    PushState,
    PushSubscription,
    SmsState,
)

# The kinds that also go out as a short message: they concern today or tomorrow.
SMS_KINDS = {NoticeKind.REMINDER, NoticeKind.CANCELLED, NoticeKind.DISPATCHED, NoticeKind.HEALTH_ALERT,
             NoticeKind.LEDGER_ALERT}


def notice_send(*, people: Iterable, kind: str, text: str = "", subject: tuple[str, int] | None = None,
                link: str = "", label: str = "", sms_text: str | None = None, by_sms: bool | None = None) -> int:
    """Write one notice per person (a Person or an id; duplicates and None ignored). Kinds in
    SMS_KINDS (or any kind, with `by_sms=True`) also queue a short message (`sms_text`, or the title
    and text) for the worker, which is nudged once this transaction commits and also sweeps the
    outbox periodically."""
    ids = sorted({p.pk if hasattr(p, "pk") else int(p) for p in people if p is not None})
    if not ids:
        return 0
    subject_type, subject_id = subject or ("", None)
    people_rows = list(Person.objects.filter(pk__in=ids).only("id", "bank_id", "mobile"))
    by_sms = kind in SMS_KINDS if by_sms is None else by_sms
    if by_sms and sms_text is None:
        sms_text = " ".join(part for part in (str(NoticeKind(kind).label), label, str(text)) if part)
    pushed = set(PushSubscription.objects.filter(person_id__in=ids).values_list("person_id", flat=True)) \
        if push_enabled() else set()
    Notice.objects.bulk_create([
        Notice(bank_id=p.bank_id, person=p, kind=kind, subject_type=subject_type, subject_id=subject_id,
               link=link[:200], label=str(label)[:120], text=str(text)[:300],
               push=PushState.PENDING if p.pk in pushed else PushState.NONE,
               sms=SmsState.PENDING if by_sms and p.mobile else SmsState.NONE,
               sms_text=str(sms_text or "")[:300] if by_sms and p.mobile else "")
        for p in people_rows])
    if by_sms:
        nudge_on_commit("timebank.notices.tasks.dispatch_sms")
    if pushed:
        nudge_on_commit("timebank.notices.tasks.dispatch_push")
    return len(people_rows)


MAX_SMS_ATTEMPTS = 5
# Held back by the daily cap: the messages a person did not ask about one by one (new requests, group
# messages). Those about their own task or an alert always go out.
CAPPED_SMS_KINDS = {NoticeKind.NEW_DEMAND, NoticeKind.BROADCAST}


def sms_dispatch(*, limit: int = 500, now: dt.datetime | None = None) -> int:
    """Send the waiting short messages, oldest first, one at a time: each is claimed (`sending`) and
    committed before the gateway is called, and its outcome committed right after, so a worker
    killed mid-sweep leaves at most the one message it was sending in doubt. Two workers never take
    the same row (the claim skips rows another holds). Returns how many went out."""
    sent, after = 0, 0
    sms_requeue_stale(now=now)
    for _sweep in range(limit):
        notice = _sms_claim(now=now or timezone.now(), after=after)
        if notice is None:
            break
        after = notice.pk  # once a sweep: a refused message waits for the next one
        if notice.sms == SmsState.CAPPED:
            continue
        result = sms_send(notice.person.mobile, notice.sms_text, kind=notice.kind, ref=str(notice.pk))
        _sms_record(notice, result, now=now or timezone.now())
        sent += result.ok
    return sent


def _sms_claim(*, now: dt.datetime, after: int = 0) -> Notice | None:
    with transaction.atomic():
        notice = (Notice.objects.select_for_update(skip_locked=True, of=("self",))
                  .filter(sms=SmsState.PENDING, pk__gt=after)
                  .select_related("person").order_by("id").first())
        if notice is None:
            return None
        if not notice.person.mobile:
            notice.sms, notice.sms_error = SmsState.FAILED, "no_mobile"
        elif notice.kind in CAPPED_SMS_KINDS and sms_sent_today(notice.person_id, now=now) >= settings.SMS_DAILY_CAP:
            notice.sms, notice.sms_error = SmsState.CAPPED, "daily_cap"
        else:
            notice.sms, notice.sms_claimed_at = SmsState.SENDING, now
            notice.sms_attempts += 1
        notice.save(update_fields=["sms", "sms_error", "sms_claimed_at", "sms_attempts"])
    return notice


def _sms_record(notice: Notice, result, *, now: dt.datetime) -> None:
    if result.ok:
        state = SmsState.SENT
    elif result.permanent or notice.sms_attempts >= MAX_SMS_ATTEMPTS:
        state = SmsState.FAILED
    else:
        state = SmsState.PENDING  # the next sweep tries again
    # Only while still ours: a worker that stalled past the stale limit may find its row re-queued.
    Notice.objects.filter(pk=notice.pk, sms=SmsState.SENDING, sms_claimed_at=notice.sms_claimed_at).update(
        sms=state, sms_sent_at=now if result.ok else None, sms_provider_id=result.provider_id,
        sms_error=result.error)


def sms_sent_today(person_id: int, *, now: dt.datetime) -> int:
    """Short messages of the capped kinds sent to a person (or being sent) since midnight, local time."""
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    mine = Notice.objects.filter(person_id=person_id, kind__in=CAPPED_SMS_KINDS)
    return (mine.filter(sms=SmsState.SENT, sms_sent_at__gte=midnight).count()
            + mine.filter(sms=SmsState.SENDING, sms_claimed_at__gte=midnight).count())


def sms_requeue_stale(*, now: dt.datetime | None = None) -> int:
    """Messages left `sending` by a worker that died between claiming and recording go back to the
    queue after settings.SMS_SENDING_STALE_SECONDS: at least once — the gateway may already have
    taken it, so such a message can arrive twice, but it is never lost."""
    return _requeue_stale("sms", now=now, stale_seconds=settings.SMS_SENDING_STALE_SECONDS,
                          max_attempts=MAX_SMS_ATTEMPTS, failed={"sms_error": "worker_lost_too_often"},
                          requeued={"sms_error": "requeued_after_worker_loss"})


def _requeue_stale(channel: str, *, now: dt.datetime | None, stale_seconds: int, max_attempts: int,
                   failed: dict | None = None, requeued: dict | None = None) -> int:
    """Notices of a channel (`sms`, `push`) claimed before the stale limit and never recorded go back to
    `pending`; one whose workers keep dying with it stops at the attempt limit like a refused one."""
    limit = (now or timezone.now()) - dt.timedelta(seconds=stale_seconds)
    stale = Notice.objects.filter(**{channel: "sending", f"{channel}_claimed_at__lt": limit})
    stale.filter(**{f"{channel}_attempts__gte": max_attempts}).update(**{channel: "failed"}, **(failed or {}))
    return stale.update(**{channel: "pending"}, **(requeued or {}))


def notices_mark_read(*, actor: Person, notice_ids: Iterable[int] | None = None,
                      now: dt.datetime | None = None) -> int:
    notices = Notice.objects.filter(person=actor, read_at__isnull=True)
    if notice_ids is not None:
        notices = notices.filter(pk__in=list(notice_ids))
    return notices.update(read_at=now or timezone.now())


def notice_call_record(*, actor: Person, notice: Notice, outcome: str, note: str = "",
                       now: dt.datetime | None = None) -> NoticeCall:
    """A clerk phoned about a notice on the call list (fetched with `notice_to_call_get`, so in the
    clerk's reach). Reached: the notice counts as read. No number that works: off the list, so the
    station can mend the record. No answer: it stays on the list for another try."""
    if outcome not in CallOutcome.values:
        raise InvalidInput(_("Choose what came of the call."), code="outcome_invalid")
    now = now or timezone.now()
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        if notice.called_at is not None or notice.read_at is not None:
            raise Conflict(_("Someone has already settled this call."), code="call_already_settled")
        call = NoticeCall.objects.create(bank_id=notice.bank_id or actor.bank_id, notice=notice, called_by=actor,
                                         outcome=outcome, note=clean_text(note or "")[:200], at=now)
        if outcome != CallOutcome.NO_ANSWER:
            notice.called_at = now
            if outcome == CallOutcome.REACHED:
                notice.read_at = now
            notice.save(update_fields=["called_at", "read_at"])
        audit_record(actor=actor, action="notice.called", obj=notice, node=notice.person.node,
                     bank=notice.bank, changes={"outcome": outcome})
    return call


def notice_preference_set(*, actor: Person, new_demands: bool, new_demands_by_sms: bool, max_km: int,
                          service_codes: Iterable[str], free_slots: Iterable[str],
                          known_codes: Iterable[str]) -> NoticePreference:
    """A person sets their own preferences (`known_codes`: the service codes of their bank, which the
    caller above this layer knows). Unknown codes or slots and a distance out of 1–50 km are refused."""
    codes, slots, known = sorted(set(service_codes)), sorted(set(free_slots)), set(known_codes)
    if not 1 <= int(max_km) <= 50:
        raise InvalidInput(_("Choose a distance from 1 to 50 km."), code="max_km_invalid")
    if set(codes) - known:
        raise InvalidInput(_("Choose kinds of service from the list."), code="service_code_unknown",
                           detail={"unknown": sorted(set(codes) - known)})
    if set(slots) - set(FREE_SLOTS):
        raise InvalidInput(_("Choose free times from the list."), code="free_slot_unknown")
    with transaction.atomic():
        preference, _created = NoticePreference.objects.select_for_update().get_or_create(person=actor)
        preference.new_demands, preference.new_demands_by_sms = bool(new_demands), bool(new_demands_by_sms)
        preference.max_km, preference.service_codes, preference.free_slots = int(max_km), codes, slots
        preference.updated_at = timezone.now()
        preference.save()
    return preference


def notice_preference_seed(*, person: Person) -> NoticePreference:
    """The volunteer's skills and free times (stated at sign-up, or changed by staff) become the kinds of
    service and the times they hear of new requests for (精准推送); their other choices stay. Runs in
    the transaction of the change (the people app publishes VOLUNTEER_SKILLS_STATED); people has
    checked the codes and slots."""
    preference, _created = NoticePreference.objects.select_for_update().get_or_create(person=person)
    preference.service_codes, preference.free_slots = list(person.skills), list(person.free_slots)
    preference.updated_at = timezone.now()
    preference.save(update_fields=["service_codes", "free_slots", "updated_at"])
    return preference


PUSH_FAILURES_BEFORE_FORGETTING = 10


MAX_PUSH_ATTEMPTS = 5


def push_dispatch(*, limit: int = 200, now: dt.datetime | None = None) -> int:
    """Send the waiting push messages, oldest first, one notice at a time: claimed (`sending`) and
    committed, sent to every browser the person subscribed outside any transaction, then recorded. A
    browser that unsubscribed (404/410) is forgotten, one failing again and again too. A notice left
    `sending` by a worker killed mid-send goes out again after the stale limit (at least once, like a
    short message). Returns how many notices reached at least one browser."""
    if not push_enabled():
        return 0
    _requeue_stale("push", now=now, stale_seconds=settings.PUSH_SENDING_STALE_SECONDS, max_attempts=MAX_PUSH_ATTEMPTS)
    sent, after = 0, 0
    for _sweep in range(limit):
        with transaction.atomic():
            notice = (Notice.objects.select_for_update(skip_locked=True, of=("self",))
                      .filter(push=PushState.PENDING, pk__gt=after).order_by("id").first())
            if notice is None:
                break
            notice.push, notice.push_claimed_at = PushState.SENDING, now or timezone.now()
            notice.push_attempts += 1
            notice.save(update_fields=["push", "push_claimed_at", "push_attempts"])
        after = notice.pk
        payload = {"title": str(NoticeKind(notice.kind).label), "body": notice.text or notice.label,
                   "url": notice.link or "/notices/", "tag": f"notice-{notice.pk}"}
        delivered, now = False, timezone.now()
        for sub in PushSubscription.objects.filter(person_id=notice.person_id).order_by("id"):
            result = push_send(endpoint=sub.endpoint, p256dh=sub.p256dh, auth=sub.auth, payload=payload)
            if result.ok:
                delivered = True
                PushSubscription.objects.filter(pk=sub.pk).update(last_ok_at=now, failures=0)
            elif result.gone or sub.failures + 1 >= PUSH_FAILURES_BEFORE_FORGETTING:
                PushSubscription.objects.filter(pk=sub.pk).delete()
            else:
                PushSubscription.objects.filter(pk=sub.pk).update(failures=sub.failures + 1)
        # Only while still ours: a worker that stalled past the stale limit may find its notice re-queued.
        Notice.objects.filter(pk=notice.pk, push=PushState.SENDING, push_claimed_at=notice.push_claimed_at).update(
            push=PushState.SENT if delivered else PushState.FAILED)
        sent += delivered
    return sent


def push_subscribe(*, actor: Person, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """This browser wants the person's push messages (a browser moving to another person is moved)."""
    endpoint = (endpoint or "").strip()
    allowed = ("https://", "http://127.0.0.1") if settings.PUSH_ALLOW_HTTP else ("https://",)
    if not endpoint.startswith(allowed) or len(endpoint) > 500:
        raise InvalidInput(_("This browser's push address is not valid."), code="push_endpoint_invalid")
    for value in (p256dh, auth):
        if not value or len(value) > 200 or not all(c.isalnum() or c in "-_=" for c in value):
            raise InvalidInput(_("This browser's push keys are not valid."), code="push_keys_invalid")
    with transaction.atomic():
        sub, _created = PushSubscription.objects.update_or_create(
            endpoint=endpoint, defaults={"person": actor, "p256dh": p256dh, "auth": auth, "failures": 0})
    return sub


def push_unsubscribe(*, actor: Person, endpoint: str) -> int:
    return PushSubscription.objects.filter(person=actor, endpoint=(endpoint or "").strip()).delete()[0]
