"""Shared helpers of the demand services: limits, row locks in their fixed order, visibility, audit, notices,
time and place checks, a demand's status derived from its assignments, and the supplier hand-over test."""
import datetime as dt
from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.ledger import services as ledger
from timebank.lib.errors import NotFound
from timebank.lib.events import publish
from timebank.notices.models import NoticeKind
from timebank.notices.services import notice_send
from timebank.orgs.events import STATION_DAY_CHANGED
from timebank.people.models import Person, ProxyLink

from .. import selectors
from ..exceptions import LocationRequired, TimesInvalid
from ..models import LIVE_STATUSES, Assignment, AssignmentStatus, Demand, DemandStatus, Payer, ServiceMode

MAX_HEADCOUNT = {ServiceMode.ONE_TO_ONE: 10, ServiceMode.GROUP: 200}
MAX_DURATION = dt.timedelta(hours=12)
MAX_AHEAD = dt.timedelta(days=366)
HOLD_MARGIN_DAYS = 30  # an elder's hold outlives the service by the auto-confirm days plus this


# ---- locking helpers -----------------------------------------------------------------------------

def _lock_demand(demand_id: int) -> Demand:
    demand = (Demand.objects.select_for_update(of=("self",))
              .select_related("service_type", "station", "branch", "bank", "elder").filter(pk=demand_id).first())
    if demand is None:
        raise NotFound()
    return demand


def _lock_assignment(assignment_id: int) -> tuple[Demand, Assignment]:
    """Lock the assignment's demand, then the assignment (the fixed order of every writer)."""
    demand_id = Assignment.objects.filter(pk=assignment_id).values_list("demand_id", flat=True).first()
    if demand_id is None:
        raise NotFound()
    demand = _lock_demand(demand_id)
    assignment = (Assignment.objects.select_for_update(of=("self",)).select_related("volunteer")
                  .get(pk=assignment_id))
    assignment.demand = demand
    return demand, assignment


def _lock_person(person: Person) -> None:
    list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True))


def _is_staff(actor, demand: Demand) -> bool:
    return selectors.is_demand_staff(actor, demand)


def _require_visible(actor, demand: Demand) -> None:
    """Whoever cannot see the demand learns nothing about it (404)."""
    if actor is None:
        return
    if not selectors.demands_visible_to(actor).filter(pk=demand.pk).exists():
        raise NotFound()


def _audit(actor, action: str, obj, demand: Demand, **changes) -> None:
    # Every change of a demand or assignment passes here: its station's day is recounted on commit.
    publish(STATION_DAY_CHANGED, node_id=demand.station_id, when=demand.starts_at,
            volunteer_id=getattr(obj, "volunteer_id", None))
    audit_record(actor=actor, action=action, obj=obj, node=demand.station, bank=demand.bank, changes=changes)


# ---- notices -------------------------------------------------------------------------------------

def demand_notify(people: Iterable, kind: str, demand: Demand | None, text: str = "",
                  by_sms: bool | None = None) -> int:
    """Tell people about a demand: inbox notices in this transaction, linked to the demand's page
    (a short message too for the kinds that send one, or as `by_sms` says)."""
    if demand is None:
        return notice_send(people=people, kind=kind, text=text, by_sms=by_sms)
    label = f"{demand.service_type.display_name(get_language() or 'zh-hans')} " \
            f"{timezone.localtime(demand.starts_at):%Y-%m-%d %H:%M}"
    return notice_send(people=people, kind=kind, text=text, subject=("demand", demand.pk),
                       link=reverse("demands:detail", args=[demand.pk]), label=label,
                       sms_text=f"{NoticeKind(kind).label} #{demand.pk} {text}".strip(), by_sms=by_sms)


def _requesters(demand: Demand) -> list[Person]:
    """Who hears about a demand on the elder's side: its publisher, the elder(s) and their proxies."""
    elders = selectors.elders_of(demand)
    proxies = [link.proxy for link in ProxyLink.objects.active().filter(elder__in=elders)
               .select_related("proxy")]
    return [p for p in [demand.created_by, *elders, *proxies] if p is not None]


# ---- checks of times and places ------------------------------------------------------------------

def _check_times(starts_at: dt.datetime, ends_at: dt.datetime, *, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    if starts_at is None or ends_at is None or timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise TimesInvalid()
    if ends_at <= starts_at or ends_at - starts_at > MAX_DURATION:
        raise TimesInvalid()
    if starts_at <= now:
        raise TimesInvalid(_("The start must be in the future."), code="start_in_past")
    if starts_at > now + MAX_AHEAD:
        raise TimesInvalid(_("A request can be published at most a year ahead."), code="too_far_ahead")


def _check_coordinates(latitude, longitude) -> None:
    if (latitude is None) != (longitude is None):
        raise LocationRequired(_("Give both latitude and longitude, or neither."), code="coordinates_invalid")
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise LocationRequired(_("These coordinates are not on the map."), code="coordinates_invalid")


# ---- holds, and a demand's status derived from its assignments -----------------------------------

def _void_holds(demand: Demand, actor=None) -> None:
    for hold in selectors.demand_holds(demand):
        ledger.hold_void(hold=hold, actor=actor)


def _refresh(demand: Demand) -> None:
    """Derive a live demand's status from its assignments (the demand row is locked)."""
    if demand.status not in LIVE_STATUSES:
        return
    live = [s for s in demand.assignments.values_list("status", flat=True) if s != AssignmentStatus.CANCELLED]
    if AssignmentStatus.CHECKED_IN in live:
        new = DemandStatus.IN_SERVICE
    elif AssignmentStatus.CLAIMED in live:
        new = DemandStatus.CLAIMED if demand.claimed_count >= demand.headcount else DemandStatus.PUBLISHED
    elif any(s in (AssignmentStatus.DONE, AssignmentStatus.DISPUTED, AssignmentStatus.CONFIRMED) for s in live):
        new = DemandStatus.DONE
    elif live:
        new = DemandStatus.COMPLETED
    else:
        new = DemandStatus.PUBLISHED
    if new != demand.status:
        demand.status = new
        fields = ["status"]
        if new == DemandStatus.COMPLETED:
            demand.closed_at = timezone.now()
            fields.append("closed_at")
            _void_holds(demand)
        demand.save(update_fields=fields)


# ---- a request handed to a supplier (see guarantee.py; cancelling it is refused) -----------------

def _supplier_posting(demand: Demand):
    """The posting that redeemed the elder's coins when a supplier took the request, if any."""
    from timebank.ledger.models import Transfer

    return Transfer.objects.filter(bank_id=demand.bank_id, idempotency_key=f"demand:{demand.pk}:supplier").first()


def _handed_to_supplier(demand: Demand) -> bool:
    return (demand.status == DemandStatus.CLAIMED and demand.payer == Payer.ELDER
            and not demand.assignments.exclude(status=AssignmentStatus.CANCELLED).exists()
            and _supplier_posting(demand) is not None)
