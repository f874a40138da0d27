"""Honours: a volunteer's served hours, their star level against the bank's thresholds, and the
service record (by date, type and demand) that exports and certificates print."""
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from timebank.demands.models import Assignment, AssignmentStatus
from timebank.honours.models import HonourRules
from timebank.lib.errors import NotFound
from timebank.lib.thresholds import parse_ascending
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, scope_q
from timebank.people.models import Person

from .models import CorrectionStatus, RecordCertificate, RecordCorrection

SERVED = (AssignmentStatus.CONFIRMED, AssignmentStatus.CREDITED)
# Whoever organises services records and certifies them (志愿服务条例 art. 19): the staff who publish
# demands and record paper services. Seeing a person (people.view: auditors, medical staff) is not enough.
CERTIFY = Perm.DEMANDS_MANAGE
DEFAULT_THRESHOLDS = (100, 300, 600, 1000, 1500)


def parse_thresholds(text: str, *, strict: bool = False) -> list[int]:
    """"100,300,600" → [100, 300, 600]. Strict: refuse anything but ascending positive whole hours."""
    return parse_ascending(text, default=DEFAULT_THRESHOLDS, strict=strict)


def served_records(person: Person) -> QuerySet[Assignment]:
    """Confirmed services of the person, oldest first (what counts towards honours and certificates)."""
    return (Assignment.objects.filter(volunteer=person, status__in=SERVED)
            .select_related("demand", "demand__service_type", "demand__station").order_by("starts_at", "id"))


def served_minutes(person: Person) -> int:
    return Assignment.objects.filter(volunteer=person, status__in=SERVED).aggregate(
        m=Sum("served_minutes"))["m"] or 0


@dataclass
class StarLevel:
    stars: int  # 0 … len(thresholds)
    served_minutes: int
    thresholds: list[int]  # hours
    next_hours: int | None  # the next threshold, None at the top

    @property
    def served_hours(self) -> float:
        return self.served_minutes / 60

    @property
    def minutes_to_next(self) -> int | None:
        return None if self.next_hours is None else self.next_hours * 60 - self.served_minutes


def star_level_for(minutes: int, thresholds: list[int]) -> StarLevel:
    """A threshold is reached when the served minutes are at least threshold × 60 (exactly 100 h is one star)."""
    stars = sum(1 for hours in thresholds if minutes >= hours * 60)
    return StarLevel(stars, minutes, thresholds, thresholds[stars] if stars < len(thresholds) else None)


def star_level(person: Person) -> StarLevel:
    thresholds = parse_thresholds(HonourRules.in_force(person.bank).honour_thresholds_hours) if person.bank_id else list(
        DEFAULT_THRESHOLDS)
    return star_level_for(served_minutes(person), thresholds)


def summary_by_year_and_type(person: Person) -> dict:
    """{"2026": {"聊天慰问": 120, ...}, ...} in minutes, for the certificate."""
    years: dict[str, dict[str, int]] = {}
    for a in served_records(person):
        year = str(timezone.localtime(a.starts_at).year)
        name = a.demand.service_type.name
        years.setdefault(year, {})
        years[year][name] = years[year].get(name, 0) + (a.served_minutes or 0)
    return years


def may_certify(actor, person: Person) -> bool:
    """Staff who may certify this volunteer's record; never their own."""
    return person.pk != actor.pk and person.node is not None and has_perm(actor, CERTIFY, person.node)


def corrections_visible_to(actor) -> QuerySet[RecordCorrection]:
    return RecordCorrection.objects.filter(scope_q(actor, Perm.DEMANDS_MANAGE, "node__path") | Q(person=actor)) \
        .select_related("person", "node", "assignment", "assignment__demand")


def corrections_pending(actor) -> QuerySet[RecordCorrection]:
    return RecordCorrection.objects.filter(scope_q(actor, Perm.DEMANDS_MANAGE, "node__path"),
                                           status=CorrectionStatus.PENDING).select_related("person", "node")


def correction_get(actor, correction_id) -> RecordCorrection:
    try:
        return corrections_visible_to(actor).get(pk=int(correction_id))
    except (RecordCorrection.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def record_certificate_by_number(number: str) -> RecordCertificate | None:
    return RecordCertificate.objects.filter(number=number).select_related("person", "issuer", "handler").first()


def served_as_of(person: Person, at) -> tuple[int, dict]:
    """What a certificate issued at `at` printed: the minutes and the summary by year and type of
    the services confirmed by then, recomputed from the records as they stand now."""
    years: dict[str, dict[str, int]] = {}
    total = 0
    for a in served_records(person).filter(Q(confirmed_at__lte=at) | Q(confirmed_at__isnull=True, starts_at__lte=at)):
        year = str(timezone.localtime(a.starts_at).year)
        name = a.demand.service_type.name
        years.setdefault(year, {})
        years[year][name] = years[year].get(name, 0) + (a.served_minutes or 0)
        total += a.served_minutes or 0
    return total, years


def volunteer_number(person: Person) -> str:
    """The volunteer's number on certificates: the bank and the person's record, never reused."""
    return f"V{person.bank_id or 0:03d}{person.pk:08d}"
