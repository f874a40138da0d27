"""Changes to a person's record, and the audited reveal of their full ID number and mobile."""
import re
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record, diff
from timebank.lib import field_crypto
from timebank.lib.errors import InvalidInput, NotFound, PermissionDenied
from timebank.lib.events import publish
from timebank.lib.mobile import normalise_mobile
from timebank.lib.pinyin import initials
from timebank.orgs.events import STATION_DAY_CHANGED
from timebank.orgs.models import BankRules
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.events import MEMBER_MOVED, VOLUNTEER_ACTIVITY_CHANGED, VOLUNTEER_SKILLS_STATED

from ..exceptions import MobileTaken, StationUnknown
from ..models import Person, PersonStatus, VolunteerStatus
from ..selectors import can_see_full, reaches_every_role_of
from ..skills import clean_free_slots, clean_skills
from ._common import _check_ages, _clean_mobile, _clean_station

EDITABLE_FIELDS = ("name", "mobile", "address", "emergency_contact_name", "emergency_contact_phone", "status",
                   "node", "is_elder", "is_volunteer", "guardian_consent", "skills", "free_slots")


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
        if "skills" in changes:
            changes["skills"] = clean_skills(person.bank_id, changes["skills"])
        if "free_slots" in changes:
            changes["free_slots"] = clean_free_slots(changes["free_slots"])
        old_node_id = person.node_id
        for key, value in changes.items():
            setattr(person, key, value)
        newly = {k for k in ("is_elder", "is_volunteer", "guardian_consent") if k in changes and changes[k] != before[k]}
        if person.birth_date and newly:
            _check_ages(person.bank, person.birth_date, is_elder="is_elder" in newly and person.is_elder,
                        is_volunteer=person.is_volunteer, guardian_consent=person.guardian_consent)
        if person.is_volunteer and not person.volunteer_status:
            person.volunteer_status = (VolunteerStatus.PENDING if BankRules.in_force(person.bank).volunteer_approval_required
                                       else VolunteerStatus.APPROVED)
        if person.volunteer_status == VolunteerStatus.APPROVED and person.volunteer_since is None:
            person.volunteer_since = timezone.now()  # their join month changes: recompute their activity
            publish(VOLUNTEER_ACTIVITY_CHANGED, person_id=person.pk, node_ids=[person.node_id])
        for node_id in {old_node_id, person.node_id}:  # the days this person counts on, at both stations
            for when in {person.created_at, person.volunteer_since} - {None}:
                publish(STATION_DAY_CHANGED, node_id=node_id, when=when)
        if person.node_id != old_node_id:
            publish(MEMBER_MOVED, person=person, old_node_id=old_node_id)
        if any(k in changes and changes[k] != before[k] for k in ("skills", "free_slots")):
            publish(VOLUNTEER_SKILLS_STATED, person=person)
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


def volunteer_tag_set(*, actor, person: Person, tag_id: str = "") -> Person:
    """Give an approved volunteer a card (a new id, printed as a QR code) or record their wristband's
    NFC tag id (typed by the reader). One id per person and bank; the old card stops working."""
    tag_id = (tag_id or "").strip().upper()
    if tag_id and not re.fullmatch(r"[A-Z0-9-]{4,32}", tag_id):
        raise InvalidInput(_("A card or wristband id has 4 to 32 letters, digits or dashes."), code="tag_invalid")
    try:
        with transaction.atomic():
            person = Person.objects.select_for_update(of=("self",)).select_related("node").get(pk=person.pk)
            if person.node is None or not has_perm(actor, Perm.PEOPLE_EDIT, person.node):
                raise NotFound()
            if not person.is_volunteer or person.volunteer_status != VolunteerStatus.APPROVED:
                raise InvalidInput(_("Only approved volunteers get a card or wristband."), code="not_a_volunteer")
            before = person.tag_id
            person.tag_id = tag_id or f"V{secrets.token_hex(5).upper()}"
            person.save(update_fields=["tag_id", "updated_at"])
            audit_record(actor=actor, action="person.tag_set", obj=person, node=person.node,
                         changes={"tag_id": [before, person.tag_id]})
    except IntegrityError:
        raise InvalidInput(_("This card or wristband already belongs to someone else."), code="tag_taken") from None
    return person
