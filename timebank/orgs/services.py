"""Every write to the org tree, bank rules and role grants."""
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record, diff
from timebank.lib.errors import InvalidInput, NotFound, PermissionDenied
from timebank.lib.events import publish
from timebank.orgs.events import BANK_CREATED

from . import rules
from .exceptions import GrantExists, NodeClosed, NodeHasOpenChildren, RoleNotGrantable, WrongParentKind
from .models import CHILD_KIND, Node, NodeKind, RoleGrant
from .roles import Perm, Role
from .rules import RuleSet
from .selectors import can_grant, has_perm


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput(_("A name of 1 to 100 characters is required."), code="name_invalid")
    return name


PHONE = re.compile(r"^[0-9+][0-9 ()-]{6,19}$")


def _clean_phone(phone: str | None) -> str:
    """A landline or mobile as people write it (021-6543 2100, 13900001234); empty is allowed."""
    phone = (phone or "").strip()
    if phone and not PHONE.match(phone):
        raise InvalidInput(_("Write the phone number with digits only, e.g. 021-65432100."), code="phone_invalid")
    return phone


def node_create(*, actor, parent: Node | None, kind: str, name: str, name_en: str = "", code: str = "",
                address: str = "", latitude: float | None = None, longitude: float | None = None,
                phone: str = "", opening_hours: str = "") -> Node:
    """Add a node under `parent` (a platform root needs no parent and no actor)."""
    name = _clean_name(name)
    with transaction.atomic():
        if parent is None:
            if kind != NodeKind.PLATFORM:
                raise WrongParentKind()
        else:
            parent = Node.objects.select_for_update().get(pk=parent.pk)
            if actor is not None and not has_perm(actor, Perm.ORGS_MANAGE, parent):
                raise NotFound()
            if parent.is_closed:
                raise NodeClosed()
            if CHILD_KIND.get(parent.kind) != kind:
                raise WrongParentKind()
        node = Node.objects.create(
            kind=kind, parent=parent, name=name, name_en=(name_en or "").strip(), code=(code or "").strip(),
            address=(address or "").strip(), latitude=latitude, longitude=longitude,
            phone=_clean_phone(phone), opening_hours=(opening_hours or "").strip(),
            path=f"tmp-{timezone.now().timestamp()}-{id(object())}", depth=(parent.depth + 1) if parent else 0,
        )
        node.path = f"{parent.path if parent else '/'}{node.pk}/"
        if kind == NodeKind.BANK:
            node.bank = node
        elif parent is not None:
            node.bank = parent.bank
        node.save(update_fields=["path", "bank"])
        audit_record(actor=actor, action="org.node_created", obj=node, node=node, bank=node.bank,
                     changes={"name": node.name, "kind": kind, "parent": parent.pk if parent else None})
        if kind == NodeKind.BANK:
            publish(BANK_CREATED, bank=node)  # e.g. a new bank starts with the standard service catalogue
    return node


def node_update(*, actor, node: Node, **fields) -> Node:
    """Rename a node or change its address; the old values stay in the audit trail."""
    allowed = {"name", "name_en", "code", "address", "latitude", "longitude", "phone", "opening_hours"}
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput(detail={"fields": sorted(unknown)})
    with transaction.atomic():
        node = Node.objects.select_for_update().get(pk=node.pk)
        if not has_perm(actor, Perm.ORGS_MANAGE, node):
            raise NotFound()
        if node.is_closed:
            raise NodeClosed()
        if "name" in fields:
            fields["name"] = _clean_name(fields["name"])
        if "phone" in fields:
            fields["phone"] = _clean_phone(fields["phone"])
        if "code" in fields and not re.fullmatch(r"[A-Za-z0-9_-]{0,32}", (fields["code"] or "").strip()):
            raise InvalidInput(_("A code has letters, digits, dashes or underscores only."), code="code_invalid")
        before = {k: getattr(node, k) for k in fields}
        for k, v in fields.items():
            setattr(node, k, v.strip() if isinstance(v, str) else v)
        node.save(update_fields=list(fields))
        audit_record(actor=actor, action="org.node_updated", obj=node, node=node,
                     changes=diff(before, {k: getattr(node, k) for k in fields}))
    return node


def node_close(*, actor, node: Node) -> Node:
    """Close a node (never deleted): its history stays, nothing new may be placed under it."""
    with transaction.atomic():
        node = Node.objects.select_for_update().get(pk=node.pk)
        if not has_perm(actor, Perm.ORGS_MANAGE, node):
            raise NotFound()
        if node.kind in (NodeKind.PLATFORM, NodeKind.BANK) and not has_perm(actor, Perm.ORGS_MANAGE, node.parent):
            raise PermissionDenied()
        if node.is_closed:
            raise NodeClosed()
        if node.children.filter(is_closed=False).exists():
            raise NodeHasOpenChildren()
        node.is_closed, node.closed_at = True, timezone.now()
        node.save(update_fields=["is_closed", "closed_at"])
        audit_record(actor=actor, action="org.node_closed", obj=node, node=node)
    return node


def role_grant(*, actor, person, role: str, node: Node) -> RoleGrant:
    if role not in Role.values:
        raise InvalidInput(_("Unknown role."), code="role_unknown")
    with transaction.atomic():
        node = Node.objects.select_for_update().get(pk=node.pk)
        if actor is not None and not can_grant(actor, role, node):
            raise RoleNotGrantable()
        if node.is_closed:
            raise NodeClosed()
        if person.bank_id and node.bank_id and person.bank_id != node.bank_id:
            raise InvalidInput(_("This person belongs to another bank."), code="person_other_bank")
        if RoleGrant.objects.filter(person=person, role=role, node=node, revoked_at__isnull=True).exists():
            raise GrantExists()
        grant = RoleGrant.objects.create(person=person, role=role, node=node, bank=node.bank, granted_by=actor)
        audit_record(actor=actor, action="role.granted", obj=grant, node=node, bank=node.bank,
                     changes={"person": person.pk, "role": role})
    person.__dict__.pop("_active_grants", None)
    return grant


def role_revoke(*, actor, grant: RoleGrant) -> RoleGrant:
    """`actor` None: the system, for a service above that checked its own rule first (as role_grant)."""
    with transaction.atomic():
        grant = RoleGrant.objects.select_for_update(of=("self",)).select_related("node").get(pk=grant.pk)
        if actor is not None and not can_grant(actor, grant.role, grant.node):
            raise RoleNotGrantable()
        if grant.revoked_at is None:
            grant.revoked_at, grant.revoked_by = timezone.now(), actor
            grant.save(update_fields=["revoked_at", "revoked_by"])
            audit_record(actor=actor, action="role.revoked", obj=grant, node=grant.node, bank=grant.bank,
                         changes={"person": grant.person_id, "role": grant.role})
    return grant


def bank_rules_set(*, actor, bank: Node, effective_from=None, **values) -> list[RuleSet]:
    """Put new rules in force from `effective_from` (now by default); earlier rows stay as history.
    Each value goes to the part of the rules that owns it (`orgs/rules.py`): one new row and one audit
    event per part whose values change, all or nothing. Returns the new rows."""
    unknown = sorted(name for name in values if rules.section_of(name) is None)
    if unknown:
        raise InvalidInput(detail={"fields": unknown})
    if bank.kind != NodeKind.BANK:
        raise InvalidInput(_("Rules are set per bank."), code="not_a_bank")
    written = []
    with transaction.atomic():
        if actor is not None and not has_perm(actor, Perm.RULES_MANAGE, bank):
            raise NotFound()
        for section in rules.sections():
            mine = {name: value for name, value in values.items() if name in section.fields}
            if not mine:
                continue
            current = section.model.in_force(bank)
            new = section.model(bank=bank, effective_from=effective_from or timezone.now(), created_by=actor)
            for name in section.fields:
                setattr(new, name, mine.get(name, getattr(current, name)))
            try:
                new.full_clean(exclude=["bank", "created_by"])
            except ValidationError as err:
                # The owning model's own checks (HonourRules.clean, field validators), field by field.
                errors = {name: [str(m) for m in messages] for name, messages in sorted(err.message_dict.items())}
                raise InvalidInput(next(iter(errors.values()))[0],
                                   detail={"fields": list(errors), "errors": errors}) from None
            if all(getattr(new, name) == getattr(current, name) for name in section.fields):
                continue  # this part is unchanged: no new row, nothing to audit
            new.save()
            changes = diff({k: getattr(current, k) for k in section.fields}, {k: getattr(new, k) for k in section.fields})
            audit_record(actor=actor, action="rules.changed", obj=new, node=bank, bank=bank,
                         changes={"part": section.key, **changes})
            written.append(new)
    return written
