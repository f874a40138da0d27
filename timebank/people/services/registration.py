"""Registration of one person or a roster at once, volunteers' self sign-up and its approval."""
import datetime as dt
import secrets
from collections.abc import Iterable

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record, audit_records
from timebank.lib import field_crypto, resident_id
from timebank.lib.errors import DomainError, InvalidInput, NotFound
from timebank.lib.events import publish
from timebank.lib.masking import mask_id_number
from timebank.lib.mobile import is_valid_mobile, normalise_mobile
from timebank.lib.pinyin import initials
from timebank.lib.text import clean_text
from timebank.orgs.events import STATION_DAY_CHANGED
from timebank.orgs.models import BankRules, Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm

from ..events import VOLUNTEER_SKILLS_STATED
from ..exceptions import (
    ConsentRequired,
    DuplicatePerson,
    IdNumberInvalid,
    IdNumberMismatch,
    MobileInvalid,
    MobileTaken,
    NotPending,
    StationUnknown,
)
from ..models import Person, VolunteerStatus
from ..skills import clean_free_slots, clean_skills
from ._common import _check_ages, _clean_mobile, _clean_station, today

CONSENT_VERSION = "2026-01"


def _identity(id_number: str, birth_date: dt.date | None, gender: str) -> resident_id.ResidentId:
    try:
        parsed = resident_id.parse(id_number)
    except resident_id.ResidentIdError as err:
        raise IdNumberInvalid(str(err), detail={"reason": err.code}) from None
    if birth_date and birth_date != parsed.birth_date:
        raise IdNumberMismatch(detail={"field": "birth_date"})
    if gender and gender != parsed.sex:
        raise IdNumberMismatch(detail={"field": "gender"})
    return parsed


def _clean_name(name: str) -> str:
    name = clean_text(name or "")
    if not name or len(name) > 50:
        raise InvalidInput(_("A name of 1 to 50 characters is required."), code="name_invalid")
    return name


def _new_person(*, station: Node, rules, identity: resident_id.ResidentId, name: str, mobile: str | None,
                address: str, emergency_contact_name: str, emergency_contact_phone: str, is_elder: bool,
                is_volunteer: bool, guardian_consent: bool) -> Person:
    """The unsaved row for a registration that passed every check (one definition for one and many);
    `_seal` adds what only a row about to be written needs (the encrypted number, initials, password)."""
    person = Person(
        mobile=mobile, name=name, gender=identity.sex,
        birth_date=identity.birth_date, id_number_hash=field_crypto.lookup_hash(identity.number),
        id_tail=identity.number[-4:], id_masked=mask_id_number(identity.number), address=(address or "").strip(),
        bank=station.bank, node=station, emergency_contact_name=(emergency_contact_name or "").strip(),
        emergency_contact_phone=normalise_mobile(emergency_contact_phone), is_elder=is_elder,
        is_volunteer=is_volunteer, guardian_consent=guardian_consent,
        consent_at=timezone.now(), consent_version=CONSENT_VERSION,
    )
    if is_volunteer:
        person.volunteer_status = (VolunteerStatus.PENDING if rules.volunteer_approval_required
                                   else VolunteerStatus.APPROVED)
        if person.volunteer_status == VolunteerStatus.APPROVED:
            person.volunteer_since = person.created_at
    person.identity = identity
    return person


def _seal(person: Person, password: str = "") -> Person:
    person.name_initials = initials(person.name)
    person.id_number_encrypted = field_crypto.encrypt(person.identity.number)
    if password:
        person.set_password(password)
    else:
        # What set_unusable_password() stores ("!" and random text), without its per-character RNG calls.
        person.password = UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
    return person


def _registered_changes(person: Person, identity: resident_id.ResidentId) -> dict:
    return {"name": person.name, "is_elder": person.is_elder, "is_volunteer": person.is_volunteer,
            "station": person.node_id, "id_number": mask_id_number(identity.number)}


def person_register(*, actor, station, name: str, id_number: str, mobile: str = "", gender: str = "",
                    birth_date: dt.date | None = None, address: str = "", emergency_contact_name: str = "",
                    emergency_contact_phone: str = "", is_elder: bool = False, is_volunteer: bool = False,
                    guardian_consent: bool = False, consent: bool = False, password: str = "",
                    self_signup: bool = False, skills: Iterable[str] = (), free_slots: Iterable[str] = (),
                    authorised: bool = False) -> Person:
    """Register one person at a station. Staff register elders who have no phone; volunteers sign
    themselves up (`self_signup`, no actor) and wait for approval where the bank asks for it. A volunteer
    may say what they can do (`skills`: service codes of the bank) and when they are usually free; the
    apps above hear of it (VOLUNTEER_SKILLS_STATED) and match new requests to it."""
    name = _clean_name(name)
    if not consent:
        raise ConsentRequired()
    station = _clean_station(station)
    # `authorised`: a service above already decided this actor may register this person (a supplier's admin
    # registering their own staff); the checks of the person themselves are the same.
    if not self_signup and not authorised and not has_perm(actor, Perm.PEOPLE_EDIT, station):
        raise StationUnknown()
    if not (is_elder or is_volunteer or not self_signup):
        raise InvalidInput(code="role_required")
    identity = _identity(id_number, birth_date, gender)
    _check_ages(station.bank, identity.birth_date, is_elder=is_elder, is_volunteer=is_volunteer,
                guardian_consent=guardian_consent)
    skills, free_slots = clean_skills(station.bank_id, skills), clean_free_slots(free_slots)
    if (skills or free_slots) and not is_volunteer:
        raise InvalidInput(_("Only a volunteer states skills and free times."), code="not_a_volunteer")
    if password:
        try:
            validate_password(password)
        except ValidationError as err:
            raise InvalidInput(" ".join(err.messages), code="password_weak") from None
    rules = BankRules.in_force(station.bank)
    id_hash = field_crypto.lookup_hash(identity.number)
    try:
        with transaction.atomic():
            mobile_clean = _clean_mobile(mobile, required=self_signup)
            if Person.objects.filter(bank=station.bank, id_number_hash=id_hash).exists():
                raise DuplicatePerson()
            person = _new_person(station=station, rules=rules, identity=identity, name=name, mobile=mobile_clean,
                                 address=address, emergency_contact_name=emergency_contact_name,
                                 emergency_contact_phone=emergency_contact_phone, is_elder=is_elder,
                                 is_volunteer=is_volunteer, guardian_consent=guardian_consent)
            person.skills, person.free_slots = skills, free_slots
            _seal(person, password)
            person.save()
            publish(STATION_DAY_CHANGED, node_id=person.node_id, when=person.created_at)
            changes = _registered_changes(person, identity)
            if skills or free_slots:
                changes.update(skills=skills, free_slots=free_slots)
                publish(VOLUNTEER_SKILLS_STATED, person=person)
            audit_record(actor=actor if not self_signup else person,
                         action="person.signed_up" if self_signup else "person.registered", obj=person,
                         changes=changes)
    except IntegrityError:
        # A concurrent registration of the same ID or mobile won the race.
        raise DuplicatePerson() from None
    return person


def people_registration_check(*, actor, entries: list[dict]) -> list[Person | DomainError]:
    """The checks of `person_register` for many staff registrations at once (a roster import), with
    stations, rules, ID numbers and mobiles looked up once per call instead of once per person.

    `entries` hold `person_register`'s keyword arguments. Returns, in order, the unsaved Person each
    entry would create, or the DomainError that refuses it. Writes nothing."""
    station_ids = {e["station"].pk if isinstance(e["station"], Node) else e["station"] for e in entries}
    stations = {n.pk: n for n in Node.objects.filter(pk__in=[s for s in station_ids if str(s or "").isdigit()],
                                                     kind=NodeKind.STATION, is_closed=False).select_related("bank")}
    rules_by_bank: dict[int, object] = {}
    allowed = {pk: has_perm(actor, Perm.PEOPLE_EDIT, node) for pk, node in stations.items()}
    on = today()
    results: list[Person | DomainError] = []
    checked: list[tuple[int, Person]] = []
    for entry in entries:
        try:
            name = _clean_name(entry.get("name", ""))
            if not entry.get("consent"):
                raise ConsentRequired()
            raw_station = entry["station"]
            station = stations.get(raw_station.pk if isinstance(raw_station, Node) else raw_station)
            if station is None or not allowed[station.pk]:
                raise StationUnknown()
            if station.bank_id not in rules_by_bank:
                rules_by_bank[station.bank_id] = BankRules.in_force(station.bank)
            rules = rules_by_bank[station.bank_id]
            is_elder, is_volunteer = bool(entry.get("is_elder")), bool(entry.get("is_volunteer"))
            guardian_consent = bool(entry.get("guardian_consent"))
            identity = _identity(entry.get("id_number", ""), entry.get("birth_date"), entry.get("gender", ""))
            _check_ages(station.bank, identity.birth_date, is_elder=is_elder, is_volunteer=is_volunteer,
                        guardian_consent=guardian_consent, rules=rules, on=on)
            mobile = normalise_mobile(entry.get("mobile", ""))
            if mobile and not is_valid_mobile(mobile):
                raise MobileInvalid()
            person = _new_person(station=station, rules=rules, identity=identity, name=name, mobile=mobile or None,
                                 address=entry.get("address", ""),
                                 emergency_contact_name=entry.get("emergency_contact_name", ""),
                                 emergency_contact_phone=entry.get("emergency_contact_phone", ""),
                                 is_elder=is_elder, is_volunteer=is_volunteer, guardian_consent=guardian_consent)
        except DomainError as err:
            results.append(err)
            continue
        results.append(person)
        checked.append((len(results) - 1, person))
    # What already exists, in one query per bank and one for mobiles; then what repeats in the batch.
    candidates = [person for _index, person in checked]
    taken_hashes = set()
    for bank_id in {p.bank_id for p in candidates}:
        hashes = [p.id_number_hash for p in candidates if p.bank_id == bank_id]
        # The `exclude` repeats the unique index's condition, so PostgreSQL can use that index.
        taken_hashes |= {(bank_id, h) for h in Person.objects.filter(bank_id=bank_id, id_number_hash__in=hashes)
                         .exclude(id_number_hash="").values_list("id_number_hash", flat=True)}
    taken_mobiles = set(Person.objects.filter(mobile__in=[p.mobile for p in candidates if p.mobile])
                        .values_list("mobile", flat=True))
    for index, person in checked:
        key = (person.bank_id, person.id_number_hash)
        if key in taken_hashes:
            results[index] = DuplicatePerson()
        elif person.mobile and person.mobile in taken_mobiles:
            results[index] = MobileTaken()
        else:
            taken_hashes.add(key)
            if person.mobile:
                taken_mobiles.add(person.mobile)
    return results


def people_register_many(*, actor, entries: list[dict]) -> list[Person | DomainError]:
    """Register the entries `people_registration_check` accepts, in one statement, each audited.
    Refused entries change nothing; a concurrent registration of the same ID or mobile refuses
    the whole call (DuplicatePerson) so that nothing of it is half-written."""
    results = people_registration_check(actor=actor, entries=entries)
    accepted = [r for r in results if isinstance(r, Person)]
    if not accepted:
        return results
    try:
        with transaction.atomic():
            Person.objects.bulk_create([_seal(p) for p in accepted], batch_size=1000)
            for person in accepted:
                publish(STATION_DAY_CHANGED, node_id=person.node_id, when=person.created_at)
            audit_records(actor=actor, action="person.registered",
                          items=[(p, _registered_changes(p, p.identity)) for p in accepted])
    except IntegrityError:
        raise DuplicatePerson() from None
    return results


def volunteers_decide(*, actor, person_ids, approve: bool) -> list[Person]:
    """Approve or refuse many volunteers at once: all of them or none. A person out of reach (404) or
    already decided (409) stops the batch, and the refusal's detail names that person. Rows are locked
    in ascending id order, as every writer here does."""
    from ..selectors import person_get

    decided = []
    with transaction.atomic():
        for person_id in sorted(dict.fromkeys(int(pk) for pk in person_ids)):
            try:
                person = person_get(actor, person_id, Perm.VOLUNTEERS_APPROVE)
                decided.append(volunteer_decide(actor=actor, person=person, approve=approve))
            except DomainError as err:
                err.detail = {**(err.detail or {}), "person_id": person_id}
                raise
    return decided


def volunteer_decide(*, actor, person: Person, approve: bool) -> Person:
    with transaction.atomic():
        person = Person.objects.select_for_update(of=("self",)).select_related("node").get(pk=person.pk)
        if person.node is None or not has_perm(actor, Perm.VOLUNTEERS_APPROVE, person.node):
            raise NotFound()
        if person.volunteer_status != VolunteerStatus.PENDING:
            raise NotPending()
        person.volunteer_status = VolunteerStatus.APPROVED if approve else VolunteerStatus.REJECTED
        if approve:
            person.volunteer_since = timezone.now()
        person.save(update_fields=["volunteer_status", "volunteer_since", "updated_at"])
        publish(STATION_DAY_CHANGED, node_id=person.node_id, when=person.volunteer_since)  # a new provider from today
        audit_record(actor=actor, action="volunteer.approved" if approve else "volunteer.rejected", obj=person)
    return person
