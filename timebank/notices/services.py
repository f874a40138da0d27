"""Notices: written in the caller's transaction (so a committed change never loses its notice),
their short messages sent afterwards by the worker from the same rows (the outbox)."""
import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from timebank.lib.nudge import nudge_on_commit
from timebank.lib.sms import sms_send
from timebank.people.models import Person

from .models import Notice, NoticeKind, SmsState

# The kinds that also go out as a short message: they concern today or tomorrow.
SMS_KINDS = {NoticeKind.REMINDER, NoticeKind.CANCELLED, NoticeKind.DISPATCHED, NoticeKind.HEALTH_ALERT,
             NoticeKind.LEDGER_ALERT}


def notice_send(*, people: Iterable, kind: str, text: str = "", subject: tuple[str, int] | None = None,
                link: str = "", label: str = "", sms_text: str | None = None) -> int:
    """Write one notice per person (a Person or an id; duplicates and None ignored). Kinds in
    SMS_KINDS also queue a short message (`sms_text`, or the title and text) for the worker, which is
    nudged once this transaction commits and also sweeps the outbox periodically."""
    ids = sorted({p.pk if hasattr(p, "pk") else int(p) for p in people if p is not None})
    if not ids:
        return 0
    subject_type, subject_id = subject or ("", None)
    people_rows = list(Person.objects.filter(pk__in=ids).only("id", "bank_id", "mobile"))
    by_sms = kind in SMS_KINDS
    if by_sms and sms_text is None:
        sms_text = " ".join(part for part in (str(NoticeKind(kind).label), label, str(text)) if part)
    Notice.objects.bulk_create([
        Notice(bank_id=p.bank_id, person=p, kind=kind, subject_type=subject_type, subject_id=subject_id,
               link=link[:200], label=str(label)[:120], text=str(text)[:300],
               sms=SmsState.PENDING if by_sms and p.mobile else SmsState.NONE,
               sms_text=str(sms_text or "")[:300] if by_sms and p.mobile else "")
        for p in people_rows])
    if by_sms:
        nudge_on_commit("timebank.notices.tasks.dispatch_sms")
    return len(people_rows)


MAX_SMS_ATTEMPTS = 5


def sms_dispatch(*, limit: int = 500) -> int:
    """Send the waiting short messages, oldest first. Two workers never send one twice (rows are
    claimed under a lock that skips rows another worker holds); a message the gateway refuses stays
    waiting for the next sweep, and is marked failed after MAX_SMS_ATTEMPTS."""
    sent = 0
    with transaction.atomic():
        batch = list(Notice.objects.select_for_update(skip_locked=True, of=("self",)).filter(sms=SmsState.PENDING)
                     .select_related("person").order_by("id")[:limit])
        now = timezone.now()
        for notice in batch:
            notice.sms_attempts += 1
            if notice.person.mobile and sms_send(notice.person.mobile, notice.sms_text):
                notice.sms, notice.sms_sent_at = SmsState.SENT, now
                sent += 1
            elif not notice.person.mobile or notice.sms_attempts >= MAX_SMS_ATTEMPTS:
                notice.sms = SmsState.FAILED
        Notice.objects.bulk_update(batch, ["sms", "sms_sent_at", "sms_attempts"])
    return sent


def notices_mark_read(*, actor: Person, notice_ids: Iterable[int] | None = None,
                      now: dt.datetime | None = None) -> int:
    notices = Notice.objects.filter(person=actor, read_at__isnull=True)
    if notice_ids is not None:
        notices = notices.filter(pk__in=list(notice_ids))
    return notices.update(read_at=now or timezone.now())
