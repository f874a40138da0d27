"""The checks a registration and a change of record share: ages, today's date, mobile, station."""
import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.lib.mobile import is_valid_mobile, normalise_mobile
from timebank.orgs.models import BankRules, Node, NodeKind

from ..exceptions import MobileInvalid, MobileTaken, StationUnknown, TooYoung
from ..models import Person


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def today() -> dt.date:
    return timezone.localdate()


def _clean_mobile(raw: str, *, required: bool, exclude_pk: int | None = None) -> str | None:
    number = normalise_mobile(raw)
    if not number:
        if required:
            raise MobileInvalid()
        return None
    if not is_valid_mobile(number):
        raise MobileInvalid()
    if Person.objects.filter(mobile=number).exclude(pk=exclude_pk).exists():
        raise MobileTaken()
    return number


def _clean_station(station) -> Node:
    if isinstance(station, Node):
        station_id = station.pk
    else:
        station_id = station
    node = Node.objects.filter(pk=station_id, kind=NodeKind.STATION, is_closed=False).select_related("bank").first() \
        if str(station_id or "").isdigit() else None
    if node is None:
        raise StationUnknown()
    return node


def _check_ages(bank: Node, birth: dt.date, *, is_elder: bool, is_volunteer: bool, guardian_consent: bool,
                rules=None, on: dt.date | None = None) -> None:
    rules = rules or BankRules.in_force(bank)
    age = age_on(birth, on or today())
    if is_elder and age < rules.elder_min_age:
        raise TooYoung(_("An elder must be at least %(age)d years old in this bank.") % {"age": rules.elder_min_age},
                       detail={"min_age": rules.elder_min_age})
    if is_volunteer and age < rules.volunteer_min_age and not guardian_consent:
        raise TooYoung(_("Volunteers under %(age)d need a guardian's consent.") % {"age": rules.volunteer_min_age},
                       detail={"min_age": rules.volunteer_min_age})
