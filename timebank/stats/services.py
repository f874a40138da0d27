"""The only writers of the rollups: a service event marks its (station, day) dirty and the worker
recomputes that node-day from the raw rows after commit; the worker rolls new transfers up past a
watermark; reconciliation recomputes from the raw rows, reports and fixes any disagreement."""
import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Min
from django.utils import timezone

from timebank.audit.services import audit_record
from timebank.demands.models import Assignment
from timebank.ledger.models import Account, AccountKind, Currency, Transfer, TransferStatus
from timebank.orgs.models import Node, NodeKind
from timebank.people.models import Person

from . import rollups
from .models import ACTIVITY_COLUMNS, COLUMNS, SERVICE_COLUMNS, NodeDayRollup, NodeDayServiceRollup, TransferWatermark

log = logging.getLogger(__name__)

# Transfers younger than this are left for the next round, so a transaction that commits a little
# after a later one is still counted; one that commits later still is found by reconciliation.
TRANSFER_MARGIN = dt.timedelta(seconds=30)
TRANSFER_BATCH = 200_000


# ---- marking node-days dirty (called by the services of people and demands) ---------------------

class _DirtyBatch:
    """The node-days touched in one transaction; recomputed by one task after it commits."""

    def __init__(self):
        self.keys: set[tuple[int, str]] = set()
        self.volunteers: set[tuple[int, str]] = set()
        self.flushed = False

    def add(self, key: tuple[int, str], volunteer_id: int | None) -> None:
        self.keys.add(key)
        if volunteer_id:
            self.volunteers.add((int(volunteer_id), key[1]))

    def flush(self) -> None:
        self.flushed = True
        keys, volunteers, self.keys, self.volunteers = sorted(self.keys), sorted(self.volunteers), set(), set()
        if keys or volunteers:
            from .tasks import recompute_node_days

            recompute_node_days.enqueue([list(k) for k in keys], [list(v) for v in volunteers])


def rollup_touch(*, node_id: int | None, when: dt.datetime | dt.date | None, volunteer_id: int | None = None) -> None:
    """Mark (node, local day of `when`) — and, for a service, the volunteer's activity from that day
    on — for recomputation once the current transaction commits. Cheap and safe to call many
    times: one task per transaction, whatever the number of marks."""
    if not node_id or when is None:
        return
    key = (int(node_id), rollups.local_day(when).isoformat())
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        batch = _DirtyBatch()
        batch.add(key, volunteer_id)
        batch.flush()
        return
    batch = getattr(connection, "_stats_dirty_batch", None)
    # A batch whose callback is gone (committed, or rolled back with its savepoint) starts afresh.
    # (A test that runs on-commit callbacks by hand leaves a flushed batch's callback in the list.)
    if batch is None or batch.flushed or not any(callback == batch.flush for _, callback, _ in connection.run_on_commit):
        batch = _DirtyBatch()
        connection._stats_dirty_batch = batch
        transaction.on_commit(batch.flush)
    batch.add(key, volunteer_id)


def member_moved(*, person: Person, old_node_id: int) -> None:
    """A member changed home station (called inside the move's transaction). Everything they count
    for moves with them, on every day of their history, and nothing else is touched:
    - coins: their own side of every transfer already rolled up (id ≤ the bank's watermark) is taken
      off the old station and added to the new one, day by day, while the watermark is locked — so
      the worker's next round (which reads the new station) neither misses nor doubles any of it;
    - registration (elders_new / volunteers_new): the callers mark both stations' days dirty;
    - activity (volunteers active, by join month): recomputed at both stations over the span of
      their services once the move commits."""
    new_node_id = person.node_id
    if not old_node_id or not new_node_id or old_node_id == new_node_id:
        return
    accounts = list(Account.objects.filter(owner_id=person.pk, kind=AccountKind.MEMBER, currency=Currency.TIME)
                    .values_list("pk", flat=True))
    if accounts:
        mark = _watermark_for_update(person.bank_id)
        per_day: dict[dt.date, dict[str, int]] = {}
        for (_node, day), values in rollups.coin_figures(bank_id=person.bank_id, up_to_id=mark.last_transfer_id,
                                                         account_ids=accounts).items():
            cell = per_day.setdefault(day, dict.fromkeys(values, 0))
            for column, value in values.items():
                cell[column] += value
        for day, values in sorted(per_day.items()):
            moved = {c: v for c, v in values.items() if v}
            _upsert(person.bank_id, old_node_id, day, {c: -v for c, v in moved.items()}, add=True)
            _upsert(person.bank_id, new_node_id, day, moved, add=True)
    volunteer_activity_changed(person_id=person.pk, node_ids=[old_node_id, new_node_id])


def volunteer_activity_changed(*, person_id: int, node_ids: list[int]) -> None:
    """After commit: recompute these stations' activity over the span of the person's services
    (their home station or their join month changed)."""
    nodes = sorted({int(n) for n in node_ids if n})

    def enqueue():
        from .tasks import recompute_volunteer_activity

        recompute_volunteer_activity.enqueue(person_id, nodes)

    if nodes:
        transaction.on_commit(enqueue)


def volunteer_activity_recompute(*, person_id: int, node_ids: list[int]) -> int:
    """The worker's side of `volunteer_activity_changed`: each station's activity from the person's
    first service to 90 days after their last, from the raw rows. Returns the stations recomputed."""
    span = (Assignment.objects.filter(volunteer_id=person_id, status__in=rollups.SERVED)
            .aggregate(first=Min("starts_at"), last=Max("starts_at")))
    if span["first"] is None:
        return 0
    day_from = rollups.local_day(span["first"])
    day_to = rollups.local_day(span["last"]) + dt.timedelta(days=max(rollups.ACTIVE_WINDOWS) - 1)
    for node_id in sorted(set(node_ids)):
        activity_recompute(node_id=node_id, day_from=day_from, day_to=day_to)
    return len(set(node_ids))


def _upsert(bank_id: int, node_id: int, day: dt.date, values: dict[str, int], *, add: bool = False) -> None:
    """Set (or add to) the given columns of one rollup row, creating it when missing."""
    now = timezone.now()
    changes = {c: (F(c) + v if add else v) for c, v in values.items()}
    if NodeDayRollup.objects.filter(node_id=node_id, day=day).update(updated_at=now, **changes):
        return
    try:
        with transaction.atomic():
            NodeDayRollup.objects.create(bank_id=bank_id, node_id=node_id, day=day, updated_at=now, **values)
    except IntegrityError:  # created meanwhile by another worker
        NodeDayRollup.objects.filter(node_id=node_id, day=day).update(updated_at=now, **changes)


def _replace_types(bank_id: int, node_id: int, day: dt.date, by_type: dict) -> None:
    NodeDayServiceRollup.objects.filter(node_id=node_id, day=day).delete()
    NodeDayServiceRollup.objects.bulk_create([
        NodeDayServiceRollup(bank_id=bank_id, node_id=node_id, day=day, service_type_id=type_id, services=s, served_minutes=m)
        for (n, d, type_id), (s, m) in sorted(by_type.items()) if n == node_id and d == day])


def node_days_recompute(keys: list[tuple[int, dt.date]], volunteers: list[tuple[int, dt.date]] = ()) -> int:
    """Recompute the service columns of these node-days from the raw rows, and the activity of these
    volunteers' home stations from those days on (the worker's side of `rollup_touch`). Idempotent."""
    done = 0
    spans: dict[int, list[dt.date]] = {}
    homes = dict(Person.objects.filter(pk__in={v for v, _ in volunteers}, node__isnull=False)
                 .values_list("pk", "node_id"))
    for volunteer_id, day in volunteers:
        if volunteer_id in homes:
            span = spans.setdefault(homes[volunteer_id], [day, day])
            span[0], span[1] = min(span[0], day), max(span[1], day)
    for node_id, (first, last) in sorted(spans.items()):
        activity_recompute(node_id=node_id, day_from=first,
                           day_to=last + dt.timedelta(days=max(rollups.ACTIVE_WINDOWS) - 1))
        done += 1
    for node_id, day in sorted(set(keys)):
        node = Node.objects.filter(pk=node_id).only("id", "bank_id").first()
        if node is None or node.bank_id is None:
            continue
        with transaction.atomic():
            figures, by_type = rollups.service_figures(bank_id=node.bank_id, day_from=day, day_to=day, node_ids=[node_id])
            _upsert(node.bank_id, node_id, day, {c: figures.get((node_id, day), {}).get(c, 0) for c in SERVICE_COLUMNS})
            _replace_types(node.bank_id, node_id, day, by_type)
        done += 1
    return done


def activity_recompute(*, node_id: int, day_from: dt.date, day_to: dt.date) -> None:
    """Set the activity columns of one station for the days in [day_from, day_to] from the raw rows."""
    node = Node.objects.filter(pk=node_id).only("id", "bank_id").first()
    if node is None or node.bank_id is None:
        return
    with transaction.atomic():
        figures = rollups.activity_figures(bank_id=node.bank_id, node_ids=[node_id], day_from=day_from, day_to=day_to)
        for (_node, day), values in sorted(figures.items()):
            _upsert(node.bank_id, node_id, day, values)
        (NodeDayRollup.objects.filter(node_id=node_id, day__gte=day_from, day__lte=day_to)
         .exclude(day__in=[day for _node, day in figures])
         .exclude(volunteers_active_30=0, volunteers_active_90=0)
         .update(volunteers_active_30=0, volunteers_active_90=0, active_cohorts={}, updated_at=timezone.now()))


# ---- transfers: rolled up by the worker past a watermark ------------------------------------------

def _watermark_for_update(bank_id: int) -> TransferWatermark:
    try:
        with transaction.atomic():
            TransferWatermark.objects.get_or_create(bank_id=bank_id)
    except IntegrityError:
        pass
    return TransferWatermark.objects.select_for_update().get(bank_id=bank_id)


def transfers_roll_up(*, bank_id: int | None = None, now: dt.datetime | None = None,
                      batch: int = TRANSFER_BATCH) -> int:
    """Add the coin figures of posted transfers newer than each bank's watermark (and older than the
    margin) to the rollups. Returns how many transfers the watermarks moved past."""
    cutoff = (now or timezone.now()) - TRANSFER_MARGIN
    banks = [bank_id] if bank_id else list(Node.objects.filter(kind=NodeKind.BANK).values_list("pk", flat=True))
    moved = 0
    for bid in banks:
        while True:
            with transaction.atomic():
                mark = _watermark_for_update(bid)
                target = (Transfer.objects.filter(bank_id=bid, id__gt=mark.last_transfer_id, created_at__lte=cutoff)
                          .order_by("-id").values_list("id", flat=True).first())
                if target is None:
                    break
                # At most `batch` transfers at a time. Counted, not id arithmetic: ids jump at each month's
                # block on PostgreSQL (timebank/lib/partitions.py).
                ids = list(Transfer.objects.filter(bank_id=bid, id__gt=mark.last_transfer_id, id__lte=target)
                           .order_by("id").values_list("id", flat=True)[:batch])
                upper = ids[-1] if len(ids) == batch else target
                figures = rollups.coin_figures(bank_id=bid, after_id=mark.last_transfer_id, up_to_id=upper)
                for (node_id, day), values in sorted(figures.items()):
                    _upsert(bid, node_id, day, values, add=True)
                moved += len(ids)
                mark.last_transfer_id, mark.updated_at = upper, timezone.now()
                mark.save(update_fields=["last_transfer_id", "updated_at"])
            if upper == target:
                break
    return moved


# ---- reconciliation ----------------------------------------------------------------------------

ALL_COLUMNS = COLUMNS + ACTIVITY_COLUMNS


def _empty() -> dict:
    return {**dict.fromkeys(ALL_COLUMNS, 0), "active_cohorts": {}}


@dataclass
class ReconcileReport:
    bank: str
    rows_checked: int = 0
    differences: list[dict] = field(default_factory=list)
    fixed: bool = False

    @property
    def ok(self) -> bool:
        return not self.differences


def rollups_reconcile(*, bank: Node, days: int | None = None, fix: bool = True, rebuild: bool = False,
                      today: dt.date | None = None) -> ReconcileReport:
    """Recompute the bank's rollups from the raw rows (the last `days` days and everything after, or
    all of them) and compare; with `fix`, the stored rows are made equal to the recomputation.
    `rebuild` rewrites every row without comparing (for a first load). Every difference is logged
    and audited: a rollup that disagrees with the raw rows is a bug."""
    report = ReconcileReport(bank=bank.name)
    day_from = None if days is None else (today or timezone.localdate()) - dt.timedelta(days=days)
    if not rebuild:
        transfers_roll_up(bank_id=bank.pk)
    with transaction.atomic():
        mark = _watermark_for_update(bank.pk)
        if rebuild:
            upper = (Transfer.objects.filter(bank_id=bank.pk, status=TransferStatus.POSTED).aggregate(m=Max("id"))["m"]
                     or 0)
            mark.last_transfer_id, mark.updated_at = upper, timezone.now()
            mark.save(update_fields=["last_transfer_id", "updated_at"])
        services, by_type = rollups.service_figures(bank_id=bank.pk, day_from=day_from)
        coins = rollups.coin_figures(bank_id=bank.pk, up_to_id=mark.last_transfer_id, day_from=day_from)
        activity = rollups.activity_figures(bank_id=bank.pk, day_from=day_from)
        expected: dict[tuple[int, dt.date], dict] = {}
        for source in (services, coins, activity):
            for key, values in source.items():
                expected.setdefault(key, _empty()).update(values)
        stored_rows = NodeDayRollup.objects.filter(bank=bank)
        stored_types = NodeDayServiceRollup.objects.filter(bank=bank)
        if day_from is not None:
            stored_rows = stored_rows.filter(day__gte=day_from)
            stored_types = stored_types.filter(day__gte=day_from)
        if rebuild:
            # A first load: write everything in bulk, compare nothing.
            stored_rows.delete()
            stored_types.delete()
            now = timezone.now()
            NodeDayRollup.objects.bulk_create(
                [NodeDayRollup(bank=bank, node_id=n, day=d, updated_at=now, **values)
                 for (n, d), values in sorted(expected.items())], batch_size=5000)
            NodeDayServiceRollup.objects.bulk_create(
                [NodeDayServiceRollup(bank=bank, node_id=n, day=d, service_type_id=t, services=s, served_minutes=m)
                 for (n, d, t), (s, m) in sorted(by_type.items())], batch_size=5000)
            report.rows_checked = len(expected)
        else:
            stored = {(r["node_id"], r["day"]): r for r in stored_rows.values("node_id", "day", *ALL_COLUMNS)}
            report.rows_checked = len(set(stored) | set(expected))
            for key in sorted(set(stored) | set(expected)):
                want = expected.get(key, _empty())
                have = stored.get(key, _empty())
                diff = {c: [have[c], want[c]] for c in ALL_COLUMNS if have[c] != want[c]}
                if diff:
                    report.differences.append({"node": key[0], "day": key[1].isoformat(), "columns": diff})
                    if fix:
                        _upsert(bank.pk, key[0], key[1], want)
            have_types = {(n, d, t): [s, m] for n, d, t, s, m in
                          stored_types.values_list("node_id", "day", "service_type_id", "services", "served_minutes")}
            for key in sorted(set(have_types) | set(by_type)):
                if have_types.get(key) != by_type.get(key):
                    report.differences.append({"node": key[0], "day": key[1].isoformat(), "service_type": key[2],
                                               "columns": {"services/minutes": [have_types.get(key), by_type.get(key)]}})
                    if fix:
                        _replace_types(bank.pk, key[0], key[1], by_type)
        report.fixed = bool(report.differences) and fix
        mark.reconciled_at = timezone.now()
        mark.save(update_fields=["reconciled_at"])
        if report.differences:
            log.error("stats rollups of bank %s disagree with the raw rows in %d places: %s", bank.pk,
                      len(report.differences), report.differences[:20])
            audit_record(actor=None, action="stats.rollup_mismatch", obj=bank, node=bank, bank=bank,
                         changes={"count": len(report.differences), "fixed": fix,
                                  "first": report.differences[:20]})
    return report


def reconciled_recently(now: dt.datetime, hours: int = 20) -> bool:
    return TransferWatermark.objects.filter(reconciled_at__gte=now - dt.timedelta(hours=hours)).exists()


def rollups_reconcile_all(*, days: int | None = 3, fix: bool = True) -> list[ReconcileReport]:
    return [rollups_reconcile(bank=bank, days=days, fix=fix)
            for bank in Node.objects.filter(kind=NodeKind.BANK, is_closed=False).order_by("pk")]

