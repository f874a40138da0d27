"""The supplier register: apply, admit, suspend, remove; licences, offers, members, rules, scores, meetings."""
import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.demands.models import ServiceType
from timebank.lib import credit_code as credit_codes
from timebank.lib.errors import InvalidInput, NotFound, PermissionDenied
from timebank.lib.mobile import is_valid_mobile, normalise_mobile
from timebank.lib.nudge import nudge_on_commit
from timebank.orgs.exceptions import GrantExists
from timebank.orgs.models import Node, NodeKind, RoleGrant
from timebank.orgs.roles import Perm, Role
from timebank.orgs.selectors import has_perm
from timebank.orgs.services import role_grant, role_revoke
from timebank.people.exceptions import MobileInvalid, StationUnknown
from timebank.people.models import Person
from timebank.people.services import person_register

from .. import selectors
from ..exceptions import (
    CreditCodeInvalid,
    CreditCodeTaken,
    InvalidTransition,
    LicenceExpired,
    OfferMissing,
    PriceInvalid,
    ReasonRequired,
    SupplierAdminOnly,
)
from ..models import (
    Licence,
    Meeting,
    MeetingDecision,
    ScoreEvent,
    ScoreReason,
    Supplier,
    SupplierMember,
    SupplierOffer,
    SupplierRules,
    SupplierScore,
    SupplierStatusChange,
)
from ._common import S, _lock_supplier, _members, _tell, _text

TRANSITIONS: dict[str, set[str]] = {
    S.APPLIED: {S.REVIEWING, S.TRIAL, S.ADMITTED, S.REJECTED, S.WITHDRAWN},
    S.REVIEWING: {S.TRIAL, S.ADMITTED, S.REJECTED, S.WITHDRAWN},
    S.TRIAL: {S.ADMITTED, S.REJECTED, S.SUSPENDED, S.WITHDRAWN, S.REMOVED},
    S.ADMITTED: {S.SUSPENDED, S.WITHDRAWN, S.REMOVED},
    S.SUSPENDED: {S.ADMITTED, S.WITHDRAWN, S.REMOVED},
    S.REJECTED: set(), S.WITHDRAWN: set(), S.REMOVED: set(),
}
NEEDS_REASON = {S.REJECTED, S.SUSPENDED, S.REMOVED}
MAX_PRICE_FEN = 100_000_000


# ---- register, admission and exit ---------------------------------------------------------------

def _check_areas(node: Node, areas: Iterable[Node]) -> list[Node]:
    areas = list(areas)
    for area in areas:
        if area.bank_id != node.bank_id or area.is_closed or area.kind not in (NodeKind.BRANCH, NodeKind.STATION,
                                                                               NodeKind.BANK):
            raise InvalidInput(_("A service area is a bank, branch or station of this bank."), code="area_invalid")
    return areas


def _check_licence(kind: str, number: str, expires_on: dt.date) -> tuple[str, str, dt.date]:
    kind = _text(kind, 60, required=True, code="licence_invalid")
    number = _text(number, 60, required=True, code="licence_invalid")
    if not isinstance(expires_on, dt.date):
        raise InvalidInput(_("Give the licence's expiry date."), code="licence_invalid")
    if expires_on < timezone.localdate():
        raise LicenceExpired(detail={"expires_on": expires_on.isoformat()})
    return kind, number, expires_on


def _check_price(price_fen) -> int:
    if isinstance(price_fen, bool) or not isinstance(price_fen, int) or not 0 < price_fen <= MAX_PRICE_FEN:
        raise PriceInvalid()
    return price_fen


def _check_phone(raw: str) -> str:
    """A mainland mobile, or a landline with its area code (e.g. 021-65432100)."""
    phone = normalise_mobile(raw) or ""
    if not (is_valid_mobile(phone) or (phone.isdigit() and phone.startswith("0") and 10 <= len(phone) <= 12)):
        raise InvalidInput(_("Give a mobile number or a landline with its area code."), code="contact_invalid")
    return phone


def supplier_register(*, actor: Person | None, node: Node, name: str, credit_code: str, contact_name: str,
                      contact_phone: str, address: str = "", areas: Iterable[Node] = (),
                      licences: Iterable[tuple[str, str, dt.date]] = (),
                      offers: Iterable[tuple[ServiceType, int, bool]] = (), application_note: str = "") -> Supplier:
    """A new supplier in status `applied`, entered by staff (or by the public form, actor None)."""
    if node is None or node.kind not in (NodeKind.BANK, NodeKind.BRANCH) or node.is_closed:
        raise InvalidInput(_("A supplier belongs to a bank or a branch."), code="node_invalid")
    if actor is not None and not has_perm(actor, Perm.SUPPLIERS_MANAGE, node):
        raise NotFound()
    name = _text(name, 100, required=True, code="name_invalid")
    try:
        code = credit_codes.parse(credit_code)
    except credit_codes.CreditCodeError as err:
        raise CreditCodeInvalid(str(err), detail={"reason": err.code}) from None
    contact_name = _text(contact_name, 50, required=True, code="contact_invalid")
    application_note = _text(application_note, 2000, code="note_invalid")
    phone = _check_phone(contact_phone)
    areas = _check_areas(node, areas or [node])
    licences = [_check_licence(*lic) for lic in licences]
    offers = [(st, _check_price(price), bool(coins)) for st, price, coins in offers]
    for st, _price, _coins in offers:
        if st.bank_id != node.bank_id:
            raise OfferMissing()
    with transaction.atomic():
        if Supplier.objects.filter(bank_id=node.bank_id, credit_code=code).exists():
            raise CreditCodeTaken()
        try:
            with transaction.atomic():
                supplier = Supplier.objects.create(bank_id=node.bank_id, node=node, name=name, credit_code=code,
                                                   contact_name=contact_name, contact_phone=phone,
                                                   address=_text(address, 200), created_by=actor,
                                                   application_note=application_note)
        except IntegrityError:
            raise CreditCodeTaken() from None
        supplier.areas.set(areas)
        for kind, number, expires_on in licences:
            Licence.objects.create(supplier=supplier, kind=kind, number=number, expires_on=expires_on)
        for st, price, coins in offers:
            SupplierOffer.objects.create(supplier=supplier, service_type=st, price_fen=price, accepts_coins=coins)
        SupplierStatusChange.objects.create(supplier=supplier, to_status=S.APPLIED, actor=actor)
        audit_record(actor=actor, action="supplier.applied" if actor is None else "supplier.registered",
                     obj=supplier, node=node, changes={"name": name, "credit_code": code})
    return supplier


def supplier_update(*, actor: Person, supplier: Supplier, **fields) -> Supplier:
    allowed = {"name", "contact_name", "contact_phone", "address", "areas"}
    if set(fields) - allowed:
        raise InvalidInput(detail={"fields": sorted(set(fields) - allowed)})
    with transaction.atomic():
        supplier = _lock_supplier(supplier.pk)
        if not selectors.may_manage(actor, supplier):
            raise NotFound()
        if supplier.status == S.REMOVED:
            raise InvalidTransition()
        changes = {}
        for key, limit in (("name", 100), ("contact_name", 50), ("address", 200)):
            if key in fields:
                value = _text(fields[key], limit, required=key != "address")
                changes[key] = [getattr(supplier, key), value]
                setattr(supplier, key, value)
        if "contact_phone" in fields:
            phone = _check_phone(fields["contact_phone"])
            changes["contact_phone"] = [supplier.contact_phone, phone]
            supplier.contact_phone = phone
        supplier.save()
        if "areas" in fields:
            areas = _check_areas(supplier.node, fields["areas"])
            changes["areas"] = [sorted(supplier.areas.values_list("pk", flat=True)), sorted(a.pk for a in areas)]
            supplier.areas.set(areas)
        audit_record(actor=actor, action="supplier.updated", obj=supplier, changes=changes)
    return supplier


def _move(supplier: Supplier, to: str, *, actor, reason: str = "") -> None:
    """Record one status change (the supplier row is locked by the caller)."""
    if to not in TRANSITIONS[supplier.status]:
        raise InvalidTransition(detail={"from": supplier.status, "to": to})
    reason = _text(reason, 300)
    if to in NEEDS_REASON and not reason:
        raise ReasonRequired()
    before = supplier.status
    supplier.status = to
    fields = ["status"]
    if to == S.TRIAL:
        supplier.trial_until = timezone.localdate() + dt.timedelta(days=selectors.supplier_rules_for(supplier.bank).trial_days)
        fields.append("trial_until")
    supplier.save(update_fields=fields)
    SupplierStatusChange.objects.create(supplier=supplier, from_status=before, to_status=to, reason=reason, actor=actor)
    audit_record(actor=actor, action=f"supplier.{to}", obj=supplier, changes={"status": [before, to], "reason": reason})
    _tell(_members(supplier), _("Your supplier status is now: %(status)s") % {"status": S(to).label})
    if to in (S.SUSPENDED, S.REMOVED, S.WITHDRAWN):  # its booked elders are told and re-offered, by the worker
        nudge_on_commit("timebank.suppliers.tasks.release_orders_of_inactive_suppliers")


def supplier_transition(*, actor: Person | None, supplier: Supplier, to: str, reason: str = "") -> Supplier:
    """Move a supplier along its admission / exit path. Admission needs licences in force;
    a supplier may withdraw by itself (its staff), everything else is the managers' call."""
    if to not in S.values:
        raise InvalidInput(_("Unknown status."), code="status_invalid")
    with transaction.atomic():
        supplier = _lock_supplier(supplier.pk)
        if actor is not None:
            own = supplier.pk in selectors.member_supplier_ids(actor)
            if not selectors.may_manage(actor, supplier) and not (own and to == S.WITHDRAWN):
                if selectors.suppliers_visible_to(actor).filter(pk=supplier.pk).exists():
                    raise PermissionDenied()
                raise NotFound()
        if to in (S.TRIAL, S.ADMITTED):
            expired = supplier.licences.filter(expires_on__lt=timezone.localdate()).first()
            if expired is not None:
                raise LicenceExpired(detail={"licence": expired.pk, "expires_on": expired.expires_on.isoformat()})
        _move(supplier, to, actor=actor, reason=reason)
    return supplier


def supplier_admit(*, actor, supplier: Supplier, trial: bool = False, reason: str = "") -> Supplier:
    return supplier_transition(actor=actor, supplier=supplier, to=S.TRIAL if trial else S.ADMITTED, reason=reason)


def licence_add(*, actor: Person, supplier: Supplier, kind: str, number: str, expires_on: dt.date) -> Licence:
    kind, number, expires_on = _check_licence(kind, number, expires_on)
    with transaction.atomic():
        supplier = _lock_supplier(supplier.pk)
        if not selectors.may_manage(actor, supplier):
            raise NotFound()
        licence = Licence.objects.create(supplier=supplier, kind=kind, number=number, expires_on=expires_on)
        audit_record(actor=actor, action="supplier.licence_added", obj=supplier,
                     changes={"kind": kind, "number": number, "expires_on": expires_on.isoformat()})
    return licence


def offer_set(*, actor: Person, supplier: Supplier, service_type: ServiceType, price_fen: int,
              accepts_coins: bool = True) -> SupplierOffer:
    """Offer a service type at a price (a new price replaces the old offer; old orders keep theirs)."""
    price_fen = _check_price(price_fen)
    with transaction.atomic():
        supplier = _lock_supplier(supplier.pk)
        if not selectors.may_manage(actor, supplier):
            raise NotFound()
        if service_type.bank_id != supplier.bank_id:
            raise OfferMissing()
        SupplierOffer.objects.filter(supplier=supplier, service_type=service_type, is_active=True).update(is_active=False)
        offer = SupplierOffer.objects.create(supplier=supplier, service_type=service_type, price_fen=price_fen,
                                             accepts_coins=bool(accepts_coins))
        audit_record(actor=actor, action="supplier.offer_set", obj=supplier,
                     changes={"service_type": service_type.code, "price_fen": price_fen, "coins": accepts_coins})
    return offer


def supplier_member_add(*, actor: Person, supplier: Supplier, person: Person) -> SupplierMember:
    """Give a person the `supplier` role at the supplier's node and tie them to this supplier (its managers)."""
    with transaction.atomic():
        supplier = _lock_supplier(supplier.pk)
        if not selectors.may_manage(actor, supplier):
            raise NotFound()
        return _member_add(actor, supplier, person, manager=True)


def _member_add(actor: Person, supplier: Supplier, person: Person, *, manager: bool) -> SupplierMember:
    """The membership and the role, once the caller has decided the actor may (a supplier's admin grants
    the role through the system: they hold no right to grant roles themselves)."""
    if person.bank_id != supplier.bank_id:
        raise InvalidInput(_("This person belongs to another bank."), code="person_other_bank")
    member = SupplierMember.objects.filter(supplier=supplier, person=person, revoked_at__isnull=True).first()
    if member is None:
        member = SupplierMember.objects.create(supplier=supplier, person=person)
    try:
        with transaction.atomic():
            role_grant(actor=actor if manager else None, person=person, role=Role.SUPPLIER, node=supplier.node)
    except GrantExists:
        pass
    audit_record(actor=actor, action="supplier.member_added", obj=supplier, changes={"person": person.pk})
    person.__dict__.pop("_supplier_ids", None)
    return member


def supplier_staff_register(*, actor: Person, supplier: Supplier, station, name: str, mobile: str,
                            id_number: str, password: str, consent: bool) -> SupplierMember:
    """A person not yet registered becomes a staff member of the supplier: registered at a station of the
    supplier's bank through the people service (the same checks of name, ID number and mobile), with an
    initial password to sign in with the mobile number, then given the membership `supplier_member_add` gives.
    One transaction: a refused registration leaves no membership, a refused membership no person.
    The supplier's own admin may do it too, at a station of the supplier's area (as its managers may)."""
    with transaction.atomic():
        supplier = _lock_supplier(supplier.pk)
        manager = selectors.may_manage(actor, supplier)
        if not manager and not selectors.is_supplier_admin(actor, supplier):
            raise NotFound()
        if not normalise_mobile(mobile or ""):
            raise MobileInvalid(_("A staff member needs a mobile number: it is how they sign in."))
        if not password:
            raise InvalidInput(_("Give the staff member an initial password."), code="password_weak")
        station_id = str(getattr(station, "pk", station) or "")
        station_node = Node.objects.filter(pk=int(station_id), bank_id=supplier.bank_id).first() \
            if station_id.isdigit() else None
        if station_node is None or not (manager or station_node.path.startswith(supplier.node.path)):
            raise StationUnknown()
        person = person_register(actor=actor, station=station_node, name=name, id_number=id_number, mobile=mobile,
                                 consent=consent, password=password, authorised=not manager)
        member = _member_add(actor, supplier, person, manager=manager)
    return member


def supplier_member_remove(*, actor: Person, supplier: Supplier, person: Person) -> SupplierMember:
    """End a person's work for the supplier: the membership is stamped revoked, and the `supplier` role at the
    supplier's node is revoked unless they still work for another supplier there. Their access to the
    supplier's orders and offers ends with it. The supplier's own admin removes its other staff, never an
    admin (nor themselves): that is the managers' call."""
    with transaction.atomic():
        supplier = _lock_supplier(supplier.pk)
        manager = selectors.may_manage(actor, supplier)
        if not manager and not selectors.is_supplier_admin(actor, supplier):
            raise NotFound()
        member = (SupplierMember.objects.select_for_update().filter(supplier=supplier, person_id=person.pk,
                                                                     revoked_at__isnull=True).first())
        if member is None:
            raise NotFound()
        if not manager and member.is_admin:
            raise SupplierAdminOnly()
        member.revoked_at = timezone.now()
        member.save(update_fields=["revoked_at"])
        still_there = SupplierMember.objects.filter(person_id=person.pk, revoked_at__isnull=True,
                                                    supplier__node=supplier.node).exists()
        if not still_there:
            for grant in RoleGrant.objects.filter(person_id=person.pk, role=Role.SUPPLIER, node=supplier.node,
                                                  revoked_at__isnull=True):
                role_revoke(actor=actor if manager else None, grant=grant)
        audit_record(actor=actor, action="supplier.member_removed", obj=supplier, changes={"person": person.pk})
    person.__dict__.pop("_supplier_ids", None)
    person.__dict__.pop("_active_grants", None)
    return member


def supplier_admin_set(*, actor: Person, supplier: Supplier, person: Person, is_admin: bool) -> SupplierMember:
    """The supplier's managers make one of its staff its own admin, or take that back."""
    with transaction.atomic():
        supplier = _lock_supplier(supplier.pk)
        if not selectors.may_manage(actor, supplier):
            raise NotFound()
        member = (SupplierMember.objects.select_for_update().filter(supplier=supplier, person_id=person.pk,
                                                                     revoked_at__isnull=True).first())
        if member is None:
            raise NotFound()
        if member.is_admin != bool(is_admin):
            member.is_admin = bool(is_admin)
            member.save(update_fields=["is_admin"])
            audit_record(actor=actor, action="supplier.admin_set", obj=supplier,
                         changes={"person": person.pk, "is_admin": member.is_admin})
    return member


def supplier_rules_set(*, actor: Person, bank: Node, **values) -> SupplierRules:
    """Put new supplier rules in force now; earlier rows stay as history."""
    fields = {f.name for f in SupplierRules._meta.get_fields()} - {"id", "bank", "effective_from", "created_by",
                                                                   "created_at"}
    if set(values) - fields:
        raise InvalidInput(detail={"fields": sorted(set(values) - fields)})
    if bank.kind != NodeKind.BANK or not has_perm(actor, Perm.RULES_MANAGE, bank):
        raise NotFound()
    with transaction.atomic():
        current = selectors.supplier_rules_for(bank)
        new = SupplierRules(bank=bank, created_by=actor)
        for name in fields:
            setattr(new, name, values[name] if values.get(name) is not None else getattr(current, name))
        if not new.warn_below >= new.suspend_below >= new.exit_below:
            raise InvalidInput(_("Thresholds go down: warn ≥ suspend ≥ propose exit."), code="thresholds_invalid")
        new.save()
        audit_record(actor=actor, action="supplier_rules.changed", obj=new, node=bank, bank=bank,
                     changes={k: getattr(new, k) for k in fields if getattr(new, k) != getattr(current, k)})
    return new


def licences_check(today: dt.date | None = None) -> dict[str, int]:
    """Worker: suspend serving suppliers whose licence expired; warn once N days ahead. Idempotent."""
    today = today or timezone.localdate()
    suspended = warned = 0
    expired_ids = set(Licence.objects.filter(expires_on__lt=today, supplier__status__in=[S.TRIAL, S.ADMITTED])
                      .values_list("supplier_id", flat=True))
    for supplier_id in sorted(expired_ids):
        with transaction.atomic():
            supplier = _lock_supplier(supplier_id)
            licence = supplier.licences.filter(expires_on__lt=today).first()
            if supplier.status in (S.TRIAL, S.ADMITTED) and licence is not None:
                _move(supplier, S.SUSPENDED, actor=None,
                      reason=str(_("Licence %(number)s expired on %(day)s") % {
                          "number": licence.number, "day": licence.expires_on.isoformat()}))
                suspended += 1
    for licence in Licence.objects.filter(warned_at__isnull=True, expires_on__gte=today,
                                          supplier__status__in=[S.TRIAL, S.ADMITTED, S.SUSPENDED]).select_related(
            "supplier__bank"):
        days = selectors.supplier_rules_for(licence.supplier.bank).licence_warn_days
        if licence.expires_on > today + dt.timedelta(days=days):
            continue
        with transaction.atomic():
            if Licence.objects.filter(pk=licence.pk, warned_at__isnull=True).update(warned_at=timezone.now()):
                audit_record(actor=None, action="supplier.licence_expiring", obj=licence.supplier,
                             changes={"licence": licence.pk, "expires_on": licence.expires_on.isoformat()})
                _tell(_members(licence.supplier), _("Licence %(number)s expires on %(day)s; please renew it.") % {
                    "number": licence.number, "day": licence.expires_on.isoformat()})
                warned += 1
    return {"suspended": suspended, "warned": warned}


# ---- scores -------------------------------------------------------------------------------------

def score_apply(*, supplier: Supplier, reason: str, delta: int, link=None, actor=None, note: str = "") -> int:
    """Move this year's score (once per reason and linked record) and act on the thresholds
    crossed: warn, suspend (no new orders), propose exit to a bank admin."""
    year = timezone.localdate().year
    rules = selectors.supplier_rules_for(supplier.bank)
    link_type, link_id = (link._meta.label_lower, str(link.pk)) if link is not None else ("", "")
    with transaction.atomic():
        score, _created = SupplierScore.objects.get_or_create(supplier=supplier, year=year,
                                                              defaults={"value": rules.score_start})
        score = SupplierScore.objects.select_for_update().get(pk=score.pk)
        if link_id and ScoreEvent.objects.filter(reason=reason, link_type=link_type, link_id=link_id).exists():
            return score.value
        before = score.value
        score.value = before + delta
        score.save(update_fields=["value"])
        ScoreEvent.objects.create(score=score, reason=reason, delta=delta, value_after=score.value,
                                  note=_text(note, 300), link_type=link_type, link_id=link_id,
                                  actor=actor if getattr(actor, "pk", None) else None)
        audit_record(actor=actor, action="supplier.score_changed", obj=supplier,
                     changes={"score": [before, score.value], "reason": reason})
        _thresholds(supplier, before, score.value, rules)
    return score.value


def _thresholds(supplier: Supplier, before: int, after: int, rules: SupplierRules) -> None:
    supplier = _lock_supplier(supplier.pk)
    if before >= rules.warn_below > after:
        audit_record(actor=None, action="supplier.score_warning", obj=supplier, changes={"score": after})
        _tell(_members(supplier), _("Warning: your supplier score is %(score)s.") % {"score": after})
    if before >= rules.suspend_below > after and supplier.status in (S.TRIAL, S.ADMITTED):
        _move(supplier, S.SUSPENDED, actor=None,
              reason=str(_("Score %(score)s is below %(limit)s") % {"score": after, "limit": rules.suspend_below}))
    if before >= rules.exit_below > after and supplier.exit_proposed_at is None and supplier.status != S.REMOVED:
        supplier.exit_proposed_at = timezone.now()
        supplier.save(update_fields=["exit_proposed_at"])
        audit_record(actor=None, action="supplier.exit_proposed", obj=supplier, changes={"score": after})


def commendation_add(*, actor: Person, supplier: Supplier, note: str) -> int:
    if not selectors.may_manage(actor, supplier):
        raise NotFound()
    note = _text(note, 300, required=True, code="reason_required")
    return score_apply(supplier=supplier, reason=ScoreReason.COMMENDATION,
                       delta=selectors.supplier_rules_for(supplier.bank).score_commendation, actor=actor, note=note)


# ---- joint meetings -----------------------------------------------------------------------------

def meeting_record(*, actor: Person, node: Node, held_on: dt.date, title: str, attendees: str, minutes: str,
                   suppliers: Iterable[Supplier] = (), decisions: Iterable[tuple[str, str, dt.date | None]] = ()
                   ) -> Meeting:
    if not has_perm(actor, Perm.SUPPLIERS_MANAGE, node):
        raise NotFound()
    suppliers = list(suppliers)
    visible = set(selectors.suppliers_visible_to(actor).values_list("pk", flat=True))
    if any(s.pk not in visible for s in suppliers):
        raise NotFound()
    with transaction.atomic():
        meeting = Meeting.objects.create(bank_id=node.bank_id, node=node, held_on=held_on,
                                         title=_text(title, 100, required=True),
                                         attendees=_text(attendees, 2000, required=True),
                                         minutes=_text(minutes, 20000, required=True), created_by=actor)
        meeting.suppliers.set(suppliers)
        for text, owner, due_on in decisions:
            MeetingDecision.objects.create(meeting=meeting, text=_text(text, 300, required=True),
                                           owner=_text(owner, 100, required=True), due_on=due_on)
        audit_record(actor=actor, action="supplier.meeting_recorded", obj=meeting, node=node)
    return meeting
