"""Every write about people: registration, sign-up and approval, changes, proxies, passwords, tokens."""
import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.models import AuditEvent
from timebank.audit.services import audit_record, audit_records, diff
from timebank.lib import field_crypto, resident_id
from timebank.lib.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from timebank.lib.events import publish
from timebank.lib.masking import mask_id_number
from timebank.lib.mobile import is_valid_mobile, normalise_mobile
from timebank.lib.pinyin import initials
from timebank.lib.text import clean_text
from timebank.orgs.events import STATION_DAY_CHANGED
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm, rules_for
from timebank.people.events import MEMBER_MOVED, VOLUNTEER_ACTIVITY_CHANGED

from .exceptions import (
    ConsentRequired,
    DuplicatePerson,
    IdNumberInvalid,
    IdNumberMismatch,
    MobileInvalid,
    MobileTaken,
    NotAnElder,
    NotPending,
    ProxyInvalid,
    StationUnknown,
    TokenRevoked,
    TooYoung,
    UnlockRateLimited,
)
from .models import ApiToken, Person, PersonStatus, ProxyLink, ProxyRelation, VolunteerStatus
from .selectors import can_see_full, proxy_confirm_refusal, reaches_every_role_of

CONSENT_VERSION = "2026-01"
EDITABLE_FIELDS = ("name", "mobile", "address", "emergency_contact_name", "emergency_contact_phone", "status",
                   "node", "is_elder", "is_volunteer", "guardian_consent")


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


def _check_ages(bank: Node, birth: dt.date, *, is_elder: bool, is_volunteer: bool, guardian_consent: bool,
                rules=None, on: dt.date | None = None) -> None:
    rules = rules or rules_for(bank)
    age = age_on(birth, on or today())
    if is_elder and age < rules.elder_min_age:
        raise TooYoung(_("An elder must be at least %(age)d years old in this bank.") % {"age": rules.elder_min_age},
                       detail={"min_age": rules.elder_min_age})
    if is_volunteer and age < rules.volunteer_min_age and not guardian_consent:
        raise TooYoung(_("Volunteers under %(age)d need a guardian's consent.") % {"age": rules.volunteer_min_age},
                       detail={"min_age": rules.volunteer_min_age})


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
                    self_signup: bool = False) -> Person:
    """Register one person at a station. Staff register elders who have no phone; volunteers sign
    themselves up (`self_signup`, no actor) and wait for approval where the bank asks for it."""
    name = _clean_name(name)
    if not consent:
        raise ConsentRequired()
    station = _clean_station(station)
    if not self_signup and not has_perm(actor, Perm.PEOPLE_EDIT, station):
        raise StationUnknown()
    if not (is_elder or is_volunteer or not self_signup):
        raise InvalidInput(code="role_required")
    identity = _identity(id_number, birth_date, gender)
    _check_ages(station.bank, identity.birth_date, is_elder=is_elder, is_volunteer=is_volunteer,
                guardian_consent=guardian_consent)
    if password:
        try:
            validate_password(password)
        except ValidationError as err:
            raise InvalidInput(" ".join(err.messages), code="password_weak") from None
    rules = rules_for(station.bank)
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
            _seal(person, password)
            person.save()
            publish(STATION_DAY_CHANGED, node_id=person.node_id, when=person.created_at)
            audit_record(actor=actor if not self_signup else person,
                         action="person.signed_up" if self_signup else "person.registered", obj=person,
                         changes=_registered_changes(person, identity))
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
                rules_by_bank[station.bank_id] = rules_for(station.bank)
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


def person_update(*, actor, person: Person, **changes) -> Person:
    """Change a person's record; the before and after of each changed field go to the audit trail."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("These fields cannot be changed here."), detail={"fields": sorted(unknown)})
    with transaction.atomic():
        person = Person.objects.select_for_update(of=("self",)).select_related("node", "bank").get(pk=person.pk)
        if person.node is None or not has_perm(actor, Perm.PEOPLE_EDIT, person.node):
            raise NotFound()
        if not reaches_every_role_of(actor, person, Perm.PEOPLE_EDIT):
            raise PermissionDenied(code="roles_out_of_reach")
        before = {k: getattr(person, k) for k in changes}
        if "name" in changes:
            name = (changes["name"] or "").strip()
            if not name or len(name) > 50:
                raise InvalidInput(_("A name of 1 to 50 characters is required."), code="name_invalid")
            changes["name"] = name
            person.name_initials = initials(name)
        if "mobile" in changes:
            changes["mobile"] = _clean_mobile(changes["mobile"] or "", required=False, exclude_pk=person.pk)
        if "status" in changes and changes["status"] not in PersonStatus.values:
            raise InvalidInput(code="status_invalid")
        if "node" in changes:
            station = _clean_station(changes["node"])
            if station.bank_id != person.bank_id or not has_perm(actor, Perm.PEOPLE_EDIT, station):
                raise StationUnknown()
            changes["node"] = station
        if "emergency_contact_phone" in changes:
            changes["emergency_contact_phone"] = normalise_mobile(changes["emergency_contact_phone"] or "")
        for key in ("address", "emergency_contact_name"):
            if key in changes:
                changes[key] = (changes[key] or "").strip()
        old_node_id = person.node_id
        for key, value in changes.items():
            setattr(person, key, value)
        newly = {k for k in ("is_elder", "is_volunteer", "guardian_consent") if k in changes and changes[k] != before[k]}
        if person.birth_date and newly:
            _check_ages(person.bank, person.birth_date, is_elder="is_elder" in newly and person.is_elder,
                        is_volunteer=person.is_volunteer, guardian_consent=person.guardian_consent)
        if person.is_volunteer and not person.volunteer_status:
            person.volunteer_status = (VolunteerStatus.PENDING if rules_for(person.bank).volunteer_approval_required
                                       else VolunteerStatus.APPROVED)
        if person.volunteer_status == VolunteerStatus.APPROVED and person.volunteer_since is None:
            person.volunteer_since = timezone.now()  # their join month changes: recompute their activity
            publish(VOLUNTEER_ACTIVITY_CHANGED, person_id=person.pk, node_ids=[person.node_id])
        for node_id in {old_node_id, person.node_id}:  # the days this person counts on, at both stations
            for when in {person.created_at, person.volunteer_since} - {None}:
                publish(STATION_DAY_CHANGED, node_id=node_id, when=when)
        if person.node_id != old_node_id:
            publish(MEMBER_MOVED, person=person, old_node_id=old_node_id)
        if person.status != PersonStatus.ACTIVE:
            person.is_active = False
        elif "status" in changes:
            person.is_active = True
        try:
            person.save()
        except IntegrityError:
            raise MobileTaken() from None
        changed = diff(before, {k: getattr(person, k) for k in changes})
        if changed:
            audit_record(actor=actor, action="person.updated", obj=person, changes=changed)
    return person


def person_reveal(*, actor, person: Person) -> dict:
    """The full ID number and mobile, for roles allowed to see them; every reveal is audited."""
    if not can_see_full(actor, person):
        raise PermissionDenied(code="reveal_not_allowed")
    audit_record(actor=actor, action="person.viewed_full", obj=person, changes={"fields": ["id_number", "mobile"]})
    number = field_crypto.decrypt(person.id_number_encrypted) if person.id_number_encrypted else ""
    return {"id_number": number, "mobile": person.mobile or ""}


def proxy_link(*, actor, elder: Person, proxy: Person, relation: str) -> ProxyLink:
    """Staff who may edit the elder ask for `proxy` to act for them. The link waits (pending) until the
    elder or a second staff member confirms it (`proxy_confirm`): nobody makes themselves, or anyone
    else, an elder's proxy alone."""
    if relation not in ProxyRelation.values:
        raise InvalidInput(_("Choose how the proxy is related to the elder."), code="relation_invalid")
    with transaction.atomic():
        first, second = sorted([elder.pk, proxy.pk])
        locked = {p.pk: p for p in Person.objects.select_for_update(of=("self",)).filter(pk__in=[first, second])
                  .select_related("node").order_by("pk")}
        elder, proxy = locked.get(elder.pk), locked.get(proxy.pk)
        if elder is None or proxy is None or elder.node is None or not has_perm(actor, Perm.PEOPLE_EDIT, elder.node):
            raise NotFound()
        if not elder.is_elder:
            raise NotAnElder()
        if elder.pk == proxy.pk or proxy.status != PersonStatus.ACTIVE or proxy.bank_id != elder.bank_id:
            raise ProxyInvalid()
        if ProxyLink.objects.filter(proxy=proxy, elder=elder, revoked_at__isnull=True).exists():
            raise ProxyInvalid(_("This proxy is already linked to the elder."), code="proxy_exists")
        link = ProxyLink.objects.create(bank=elder.bank, proxy=proxy, elder=elder, relation=relation, created_by=actor,
                                        confirmed_at=None)
        audit_record(actor=actor, action="proxy.requested", obj=link, node=elder.node,
                     changes={"elder": elder.pk, "proxy": proxy.pk, "relation": relation})
    return link


def proxy_confirm(*, actor, link: ProxyLink) -> ProxyLink:
    """The elder, or a second staff member who may edit the elder, confirms a pending link; from then
    on the proxy may act for the elder. Nobody confirms a link that makes them the proxy, and the staff
    member who asked for a link does not confirm it too (four eyes)."""
    with transaction.atomic():
        link = (ProxyLink.objects.select_for_update(of=("self",)).select_related("elder__node", "proxy")
                .filter(pk=link.pk).first())
        if link is None:
            raise NotFound()
        refusal = proxy_confirm_refusal(actor, link)
        if refusal is not None:
            raise refusal
        if link.proxy.status != PersonStatus.ACTIVE:
            raise ProxyInvalid()
        link.confirmed_at, link.confirmed_by = timezone.now(), actor
        link.save(update_fields=["confirmed_at", "confirmed_by"])
        audit_record(actor=actor, action="proxy.confirmed", obj=link, node=link.elder.node,
                     changes={"elder": link.elder_id, "proxy": link.proxy_id, "requested_by": link.created_by_id,
                              "by_elder": actor.pk == link.elder_id})
    return link


def proxy_unlink(*, actor, link: ProxyLink) -> ProxyLink:
    """Staff who may edit the elder end a link (or withdraw a request); the elder may decline a request."""
    with transaction.atomic():
        link = ProxyLink.objects.select_for_update(of=("self",)).select_related("elder__node").get(pk=link.pk)
        declining = actor.pk == link.elder_id and link.is_pending
        if not declining and (link.elder.node is None or not has_perm(actor, Perm.PEOPLE_EDIT, link.elder.node)):
            raise NotFound()
        if link.revoked_at is None:
            pending = link.confirmed_at is None
            link.revoked_at = timezone.now()
            link.save(update_fields=["revoked_at"])
            audit_record(actor=actor, action="proxy.declined" if declining else "proxy.unlinked", obj=link,
                         node=link.elder.node, changes={"pending": pending} if pending else None)
    return link


def password_reset_by_staff(*, actor, person: Person, new_password: str) -> Person:
    """Staff set a new password for someone who forgot theirs (most often an elder)."""
    try:
        validate_password(new_password, user=person)
    except ValidationError as err:
        raise InvalidInput(" ".join(err.messages), code="password_weak") from None
    with transaction.atomic():
        person = Person.objects.select_for_update(of=("self",)).select_related("node").get(pk=person.pk)
        if person.node is None or not has_perm(actor, Perm.PEOPLE_RESET_PASSWORD, person.node) or actor.pk == person.pk:
            raise NotFound()
        if not reaches_every_role_of(actor, person, Perm.PEOPLE_RESET_PASSWORD):
            raise PermissionDenied(code="roles_out_of_reach")
        if not person.mobile:
            raise InvalidInput(_("Give this person a mobile number first: it is their username."), code="no_mobile")
        person.set_password(new_password)
        person.save(update_fields=["password", "updated_at"])
        audit_record(actor=actor, action="person.password_reset", obj=person)
        api_tokens_revoke_all(actor=actor, person=person, reason="password_reset")
    return person


def login_unlock(*, actor, person: Person) -> int:
    """Clear the failed sign-ins that locked `person` out, at every address; the number of lockout records
    cleared. Staff who may reset the person's password may do it, at most LOGIN_UNLOCKS_PER_HOUR times an hour."""
    from axes.handlers.proxy import AxesProxyHandler

    person = Person.objects.select_related("node").get(pk=person.pk)
    if person.node is None or not has_perm(actor, Perm.PEOPLE_RESET_PASSWORD, person.node) or actor.pk == person.pk:
        raise NotFound()
    if not reaches_every_role_of(actor, person, Perm.PEOPLE_RESET_PASSWORD):
        raise PermissionDenied(code="roles_out_of_reach")
    if not person.mobile:
        raise InvalidInput(_("This person has no mobile number, so cannot sign in."), code="no_mobile")
    since = timezone.now() - dt.timedelta(hours=1)
    recent = AuditEvent.objects.filter(actor=actor, action="person.login_unlocked", at__gte=since).count()
    if recent >= settings.LOGIN_UNLOCKS_PER_HOUR:
        raise UnlockRateLimited(detail={"per_hour": settings.LOGIN_UNLOCKS_PER_HOUR})
    with transaction.atomic():
        cleared = AxesProxyHandler.reset_attempts(username=person.mobile)
        audit_record(actor=actor, action="person.login_unlocked", obj=person, changes={"cleared": cleared})
    return cleared


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _password_stamp(person: Person) -> str:
    # Of the stored password hash, so that any change of password (a new salt at least) changes it.
    return hashlib.sha256(b"timebank-token-stamp:" + (person.password or "").encode()).hexdigest()


def api_token_create(*, actor: Person, name: str) -> tuple[ApiToken, str]:
    """A new bearer token, alive for API_TOKEN_LIFETIME_DAYS; the raw value is returned once and only its hash
    is kept."""
    name = (name or "").strip()[:60] or "API"
    raw = "tb_" + secrets.token_urlsafe(32)
    expires_at = timezone.now() + dt.timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)
    with transaction.atomic():
        token = ApiToken.objects.create(person=actor, name=name, prefix=raw[:10], key_hash=_token_hash(raw),
                                        expires_at=expires_at, password_stamp=_password_stamp(actor))
        audit_record(actor=actor, action="token.created", obj=token, node=actor.node, bank=actor.bank)
    return token, raw


def api_token_revoke(*, actor: Person, token: ApiToken) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token.pk, person=actor).first()
        if token is None:
            raise NotFound()
        if token.revoked_at is not None:
            raise TokenRevoked()
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="token.revoked", obj=token, node=actor.node, bank=actor.bank)
    return token


def api_tokens_revoke_all(*, actor, person: Person, reason: str) -> int:
    """Revoke every live token of `person` (their password was set or reset); audited when there were any."""
    with transaction.atomic():
        count = ApiToken.objects.filter(person=person, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if count:
            audit_record(actor=actor, action="token.revoked_all", obj=person,
                         changes={"count": count, "reason": reason})
    return count


def api_token_authenticate(raw: str) -> Person | None:
    """The person a bearer token belongs to, if it is live (not revoked, not expired, made under the person's
    current password); touches `last_used_at` at most once a minute."""
    if not raw or not raw.startswith("tb_") or len(raw) > 100:
        return None
    now = timezone.now()
    token = (ApiToken.objects.filter(key_hash=_token_hash(raw), revoked_at__isnull=True, expires_at__gt=now)
             .select_related("person").first())
    if token is None or not token.person.is_active:
        return None
    if not hmac.compare_digest(token.password_stamp, _password_stamp(token.person)):
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.person
