"""精准推送: a published request is announced to the volunteers who fit it (approved, in the branch or
its areas, holding the certificate, free at that time) and who asked to hear of such requests: within
their distance, of their kinds of service, in their free times; those whose stated skills and free
times fit first, then the nearest, a few at most. The worker's sweep does it once per request, after the
publishing transaction has committed."""
import datetime as dt

from django.db import transaction
from django.utils import timezone

from timebank.lib.week_slots import slot_of
from timebank.notices.models import NoticeKind
from timebank.notices.selectors import notice_preferences_of

from .. import selectors
from ..models import Demand, DemandStatus
from ._common import demand_notify

MAX_TOLD = 20  # per request: the nearest fitting volunteers, not the whole district


def demand_slot(demand: Demand) -> str:
    """The part of the week the request falls in, as volunteers state their free times."""
    return slot_of(demand.starts_at)


def demand_announce(demand: Demand) -> int:
    """Tell the fitting volunteers who want to hear of it; returns how many were told."""
    candidates = selectors.volunteers_for_demand(demand, limit=200)
    preferences = notice_preferences_of([c.volunteer.pk for c in candidates])
    slot, code = demand_slot(demand), demand.service_type.code
    chosen, by_sms = [], []
    for candidate in candidates:
        pref = preferences[candidate.volunteer.pk]
        if not pref.new_demands:
            continue
        if candidate.distance_m is not None and candidate.distance_m > pref.max_km * 1000:
            continue
        if pref.service_codes and code not in pref.service_codes:
            continue
        if pref.free_slots and slot not in pref.free_slots:
            continue
        (by_sms if pref.new_demands_by_sms else chosen).append(candidate.volunteer)
        if len(chosen) + len(by_sms) >= MAX_TOLD:
            break
    what = f"{demand.service_type.name} {timezone.localtime(demand.starts_at):%m-%d %H:%M}"  # in the text message too
    told = demand_notify(chosen, NoticeKind.NEW_DEMAND, demand, what, by_sms=False) if chosen else 0
    return told + (demand_notify(by_sms, NoticeKind.NEW_DEMAND, demand, what, by_sms=True) if by_sms else 0)


def demands_announce(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """The sweep: each published request not yet announced, still ahead, is announced once (rows
    another worker holds are skipped)."""
    now = now or timezone.now()
    told = 0
    for _round in range(limit):
        with transaction.atomic():
            demand = (Demand.objects.select_for_update(skip_locked=True, of=("self",))
                      .filter(status=DemandStatus.PUBLISHED, announced_at__isnull=True, starts_at__gt=now)
                      .select_related("service_type", "branch", "station").order_by("published_at", "id").first())
            if demand is None:
                break
            told += demand_announce(demand)
            demand.announced_at = now
            demand.save(update_fields=["announced_at"])
    return told
