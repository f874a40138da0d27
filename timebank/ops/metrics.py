"""`/metrics` for Prometheus: the requests this process served, and figures read from the database at each scrape
(the task queue, heartbeats, ledger totals, unsealed transfers, open health alerts, short messages waiting).

Labels name routes, banks, queues and states, never a person, and each has a bounded set of values."""
import hmac
import ipaddress
import logging
import os

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, F, Max, Min, Sum
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics import disable_created_metrics

from timebank.health.models import Alert, AlertStatus
from timebank.ledger.models import Account, Seal, Transfer, TransferStatus
from timebank.notices.models import Notice, SmsState
from timebank.orgs.models import Node, NodeKind

from .models import Heartbeat

logger = logging.getLogger(__name__)

disable_created_metrics()  # the `_created` twin of every counter only doubles the page

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
HTTP_REQUESTS = Counter("timebank_http_requests", "HTTP requests answered, by method, URL pattern and status class.",
                        ["method", "route", "status_class"])
HTTP_LATENCY = Histogram("timebank_http_request_duration_seconds", "Time to answer a request, by URL pattern.",
                         ["route"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
# Forwarding headers: a request that carries one came through a proxy, whatever address it arrived from.
_FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def route_of(request) -> str:
    """The URL pattern's name (`people:home`), its route where it has no name, or "unresolved": never the
    raw path, whose ids would make a new series per record."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unresolved"
    return match.view_name if match.url_name else match.route


def request_observe(method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(method if method in METHODS else "other", route, f"{status // 100}xx").inc()
    HTTP_LATENCY.labels(route).observe(seconds)


# ---- who may read it ----------------------------------------------------------------------------------

def metrics_allowed(request) -> bool:
    """With TIMEBANK_METRICS_TOKEN set: only `Authorization: Bearer <token>`. Without: only a direct request
    from this machine (loopback, no forwarding header). Anything else is answered like an unknown URL."""
    token = settings.TIMEBANK_METRICS_TOKEN
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
    if any(request.META.get(name) for name in _FORWARDED):
        return False  # a reverse proxy on this machine would make every visitor look local
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


# ---- the figures read at each scrape ------------------------------------------------------------------

def _gauge(name: str, documentation: str, labels: list[str], rows) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for values, value in rows:
        family.add_metric([str(v) for v in values], value)
    return family


def _age(moment) -> float:
    return max(0.0, (timezone.now() - moment).total_seconds())


def _unsealed_by_bank() -> list[tuple[tuple, int]]:
    """Posted transfers above the highest one the bank's chain has sealed: two index look-ups per bank, where
    counting every unsealed row would be an anti-join over the whole ledger at each scrape. A transfer that
    committed late, below that id, is missed until the next seal round takes it (`verify_ledger` counts all)."""
    rows = []
    for bank_id in Node.objects.filter(kind=NodeKind.BANK).order_by("pk").values_list("pk", flat=True):
        last = Seal.objects.filter(bank_id=bank_id).order_by("-transfer_id").values_list("transfer_id", flat=True).first()
        count = Transfer.objects.filter(bank_id=bank_id, status=TransferStatus.POSTED, pk__gt=last or 0).count()
        rows.append(((bank_id,), count))
    return rows


def database_families() -> list[GaugeMetricFamily]:
    """Aggregate queries only: one per figure (and two per bank for the unsealed count)."""
    tasks = (DBTaskResult.objects.ready().values("queue_name").order_by("queue_name")
             .annotate(n=Count("id"), oldest=Min("enqueued_at")))
    beats = Heartbeat.objects.values("kind").order_by("kind").annotate(last=Max("beat_at"))
    ledger = (Account.objects.values("bank_id", "currency", "kind").order_by("bank_id", "currency", "kind")
              .annotate(balance=Sum(F("posted_credits") - F("posted_debits")), held=Sum("pending_debits")))
    ledger = list(ledger)
    alerts = (Alert.objects.filter(status__in=[AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED, AlertStatus.FOLLOWED_UP])
              .values("bank_id", "status", "severity").order_by("bank_id", "status", "severity").annotate(n=Count("id")))
    return [
        _gauge("timebank_task_queue_depth", "Background tasks ready to run and not yet taken by a worker.",
               ["queue"], [((row["queue_name"],), row["n"]) for row in tasks]),
        _gauge("timebank_task_oldest_ready_age_seconds", "How long the oldest ready task has waited.",
               ["queue"], [((row["queue_name"],), _age(row["oldest"])) for row in tasks]),
        _gauge("timebank_heartbeat_age_seconds", "Seconds since the last beat of a worker or the housekeeping loop.",
               ["kind"], [((row["kind"],), _age(row["last"])) for row in beats]),
        _gauge("timebank_ledger_balance", "Sum of posted balances (credits - debits) by bank, currency and account "
               "kind; minutes for time, points for points. Member accounts: coins the bank owes its members.",
               ["bank", "currency", "kind"],
               [((row["bank_id"], row["currency"], row["kind"]), row["balance"] or 0) for row in ledger]),
        _gauge("timebank_ledger_held", "Sum of amounts held (pending debits) by bank, currency and account kind.",
               ["bank", "currency", "kind"],
               [((row["bank_id"], row["currency"], row["kind"]), row["held"] or 0) for row in ledger]),
        _gauge("timebank_ledger_unsealed_transfers", "Posted transfers not yet sealed into the bank's hash chain.",
               ["bank"], _unsealed_by_bank()),
        _gauge("timebank_health_alerts_open", "Health alerts not closed, by bank, status and severity.",
               ["bank", "status", "severity"],
               [((row["bank_id"], row["status"], row["severity"]), row["n"]) for row in alerts]),
        _gauge("timebank_sms_waiting", "Short messages (notices) waiting for the worker to send them.", [],
               [((), Notice.objects.filter(sms=SmsState.PENDING).count())]),
    ]


class DatabaseCollector:
    """Reads the figures when scraped; a database that does not answer gives `timebank_database_up 0` and
    the process's own metrics, so the scrape itself still tells what is wrong."""

    def collect(self):
        try:
            families = database_families()
            up = 1
        except DatabaseError:
            logger.exception("metrics: the database did not answer")
            families, up = [], 0
        yield from families
        yield _gauge("timebank_database_up", "1 when the database answered this scrape's queries, else 0.", [],
                     [((), up)])


class _Scrape:
    def __init__(self, *collectors):
        self.collectors = collectors

    def collect(self):
        for collector in self.collectors:
            yield from collector.collect()


def exposition() -> bytes:
    """The page in Prometheus' text format. Under gunicorn with several workers, PROMETHEUS_MULTIPROC_DIR makes
    the request counters the sum over all of them (docs/OPERATIONS.md)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(_Scrape(registry, DatabaseCollector()))
