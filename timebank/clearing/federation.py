"""Clearing between two deployments (another city, or a district running its own server): signed,
idempotent messages between the platforms, their delivery by the worker, and the reconciliation of both
sides' clearing accounts. The protocol is described in docs/FEDERATION.md.

Every message is a UTF-8 JSON envelope {v, id, kind, from, to, sent_at, body}, signed with the sender's
Ed25519 key over its exact bytes (header X-Timebank-Signature, base64). The receiver answers 200 with a
receipt signed the same way. A transfer is written once per (peer, id): the same id again returns the
stored receipt and posts nothing, so replays and retries after a lost receipt change nothing, and
transfers are independent of each other, so their order does not matter either."""
import base64
import binascii
import datetime as dt
import hashlib
import json
import logging
import uuid

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.ledger import services as ledger
from timebank.ledger.exceptions import AccountUnknown, GiftNotAllowed, LimitExceeded
from timebank.ledger.models import Account, AccountKind, Currency, LedgerRules, TransferKind
from timebank.lib.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from timebank.lib.mobile import normalise_mobile
from timebank.lib.nudge import nudge_on_commit
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.models import Person, PersonStatus
from timebank.people.selectors import can_act_for

from .models import InboundMessage, MessageStatus, OutboundMessage, PeerPlatform, ReconciliationReport

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Timebank-Signature"
VERSION = 1
MAX_BODY_BYTES = 64 * 1024
RETRY_FIRST_SECONDS = 10
RETRY_MAX_SECONDS = 3600  # after 10 failures a message is tried once an hour, for as long as it takes
RECONCILE_HOUR = 2  # Asia/Shanghai: the daily reconciliation runs in the first housekeeping round from 02:00


# ── errors ──────────────────────────────────────────────────────────────────────────────────────────────

class FederationOff(DomainError):
    code = "federation_not_configured"
    message = _("This platform has no federation name or signing key: clearing with other platforms is off.")
    status = 503


class BadMessage(InvalidInput):
    code = "bad_message"
    message = _("The message is not a valid clearing message.")
    status = 400


class UnknownPlatform(DomainError):
    code = "unknown_platform"
    message = _("This platform does not clear with the sender (or the message is for another platform).")
    status = 403


class BadSignature(DomainError):
    code = "bad_signature"
    message = _("The message's signature does not match the sender's key.")
    status = 401


class MessageIdReused(DomainError):
    code = "message_id_reused"
    message = _("A different message with this id was received before.")
    status = 409


class PeerUnknown(NotFound):
    code = "peer_unknown"
    message = _("No such partner platform.")


class SendingOff(Conflict):
    code = "federation_off"
    message = _("This platform does not send coins to other platforms (no federation name or signing key).")


class RecipientRequired(InvalidInput):
    code = "recipient_required"
    message = _("Give the recipient's mobile number and full name.")


# ── keys and signatures ─────────────────────────────────────────────────────────────────────────────────

def new_signing_key() -> tuple[str, str]:
    """A fresh key pair: (private seed, public key), both base64."""
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes_raw()
    return base64.b64encode(seed).decode(), public_key_of(base64.b64encode(seed).decode())


def public_key_of(seed_b64: str) -> str:
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed_b64))
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def _own_key() -> Ed25519PrivateKey:
    if not settings.FEDERATION_NAME or not settings.FEDERATION_KEY:
        raise FederationOff()
    try:
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(settings.FEDERATION_KEY, validate=True))
    except (ValueError, binascii.Error):
        raise FederationOff() from None


def sign(data: bytes) -> str:
    return base64.b64encode(_own_key().sign(data)).decode()


def signature_valid(public_key_b64: str, data: bytes, signature_b64: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64, validate=True))
        key.verify(base64.b64decode(signature_b64 or "", validate=True), data)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def _canonical(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _envelope(*, peer: PeerPlatform, kind: str, body: dict, message_id: uuid.UUID | None = None) -> bytes:
    return _canonical({"v": VERSION, "id": str(message_id or uuid.uuid4()), "kind": kind,
                       "from": settings.FEDERATION_NAME, "to": peer.name,
                       "sent_at": timezone.now().isoformat(), "body": body})


def _receipt(*, peer: PeerPlatform, message_id: str, kind: str, status: str, reason: str = "",
             body: dict | None = None) -> bytes:
    return _canonical({"v": VERSION, "message": message_id, "kind": kind, "from": settings.FEDERATION_NAME,
                       "to": peer.name, "status": status, "reason": reason, "body": body or {}})


# ── pairing ─────────────────────────────────────────────────────────────────────────────────────────────

def peer_platform_add(*, platform: Node, name: str, base_url: str, public_key: str) -> PeerPlatform:
    """Pair this platform with another deployment (an operator's act: `manage.py federation_peer_add`).
    The other deployment gets a platform node of its own here: our banks' clearing accounts name it."""
    from timebank.orgs.services import node_create

    name = (name or "").strip()
    if not name or len(name) > 64 or platform.kind != NodeKind.PLATFORM:
        raise InvalidInput(code="peer_invalid")
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
    except (ValueError, binascii.Error):
        raise InvalidInput(_("The public key is not an Ed25519 key in base64."), code="public_key_invalid") from None
    with transaction.atomic():
        node = node_create(actor=None, parent=None, kind=NodeKind.PLATFORM, name=name[:100], code=f"peer:{name}"[:32])
        peer = PeerPlatform.objects.create(platform=platform, node=node, name=name, base_url=base_url.rstrip("/"),
                                           public_key=public_key)
        audit_record(actor=None, action="clearing.peer_added", obj=peer, node=platform, bank=None,
                     changes={"name": name, "base_url": peer.base_url})
    return peer


# ── sending a transfer ──────────────────────────────────────────────────────────────────────────────────

def federation_gift(*, actor: Person, sender: Person, peer: PeerPlatform, mobile: str, name: str, amount: int,
                    memo: str = "", currency: str = Currency.TIME,
                    idempotency_key: str | None = None) -> OutboundMessage:
    """Give coins to a member of another deployment: in one transaction our leg (member → our bank's
    clearing account with that deployment) and the signed message; the worker delivers it. If the other
    side refuses (no such member, their limits), the coins come back by a linked correction."""
    if not can_act_for(actor, sender) or sender.bank is None:
        raise AccountUnknown()
    if not settings.FEDERATION_NAME or not settings.FEDERATION_KEY:
        raise SendingOff()
    if not peer.is_active or peer.platform_id != sender.bank.parent_id:
        raise PeerUnknown()
    number, name = normalise_mobile(mobile or ""), (name or "").strip()
    if not number or not name or len(name) > 50:
        raise RecipientRequired()
    if currency not in Currency.values:
        raise InvalidInput(code="currency_invalid")
    rules = LedgerRules.in_force(sender.bank)
    if rules.gift_recipients == "relatives":  # kinship cannot be checked in another deployment's register
        raise GiftNotAllowed()
    if currency == Currency.TIME and rules.gift_max_minutes and isinstance(amount, int) and amount > rules.gift_max_minutes:
        raise LimitExceeded(detail={"max": rules.gift_max_minutes})
    message_id = uuid.uuid4()
    with transaction.atomic():
        debit = ledger.member_account(sender, currency)
        credit = ledger.clearing_account(sender.bank, peer.node, currency)
        leg = ledger.transfer_post(debit=debit, credit=credit, amount=amount, kind=TransferKind.GIFT, actor=actor,
                                   memo=memo, subject=("clearing.outboundmessage", str(message_id)),
                                   idempotency_key=f"fed:out:{idempotency_key}" if idempotency_key else None)
        if not getattr(leg, "is_new", False):
            return OutboundMessage.objects.get(out_transfer=leg)
        envelope = _envelope(peer=peer, kind="transfer", message_id=message_id, body={
            "amount": leg.amount, "currency": currency, "memo": (memo or "")[:200],
            "sender": {"name": sender.name, "bank": sender.bank.name},
            "recipient": {"mobile": number, "name": name}})
        message = OutboundMessage.objects.create(
            peer=peer, bank_id=sender.bank_id, uuid=message_id, sender=sender,
            actor=actor if getattr(actor, "pk", None) else None, currency=currency, amount=leg.amount,
            envelope=envelope.decode(), signature=sign(envelope), out_transfer=leg)
        audit_record(actor=actor, action="clearing.federation_sent", obj=message, node=sender.bank, bank=sender.bank,
                     changes={"amount": leg.amount, "currency": currency, "peer": peer.name, "from": sender.pk})
        nudge_on_commit("timebank.clearing.tasks.deliver_federation_messages")
    return message


# ── delivery (the worker) ───────────────────────────────────────────────────────────────────────────────

def _post(peer: PeerPlatform, envelope: bytes, signature: str, client: httpx.Client) -> tuple[dict, bytes]:
    """Send one envelope; the peer's verified receipt, or httpx.HTTPError / ValueError saying why not."""
    response = client.post(f"{peer.base_url}/api/v1/federation/messages", content=envelope,
                           headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature})
    if response.status_code != 200:
        raise ValueError(f"HTTP {response.status_code}: {response.text[:120]}")
    raw = response.content
    if not signature_valid(peer.public_key, raw, response.headers.get(SIGNATURE_HEADER, "")):
        raise ValueError("the receipt's signature does not match the peer's key")
    receipt = json.loads(raw)
    sent = json.loads(envelope)
    if receipt.get("message") != sent["id"] or receipt.get("from") != peer.name or \
            receipt.get("to") != settings.FEDERATION_NAME:
        raise ValueError("the receipt is not for this message")
    return receipt, raw


def _retry_delay(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(RETRY_FIRST_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS))


def federation_deliver(*, now: dt.datetime | None = None, force: bool = False, limit: int = 200) -> dict:
    """Send every due pending message once (`force`: also those waiting for their next try). A message
    whose receipt does not come back (peer down, receipt lost) is tried again on a growing delay; the
    receiver's idempotency makes the retry harmless. Returns the counts."""
    now = now or timezone.now()
    due = OutboundMessage.objects.filter(status=MessageStatus.PENDING, peer__is_active=True).select_related("peer")
    if not force:
        due = due.filter(next_try_at__lte=now)
    counts = {"accepted": 0, "refused": 0, "failed": 0}
    down: set[int] = set()
    with httpx.Client(timeout=settings.FEDERATION_TIMEOUT_SECONDS) as client:
        for message in due.order_by("pk")[:limit]:
            if message.peer_id in down:  # one failure per peer and round: the rest wait for their next try
                _failed(message, "skipped: the peer did not answer this round", now)
                counts["failed"] += 1
                continue
            try:
                receipt, raw = _post(message.peer, message.envelope.encode(), message.signature, client)
            except (httpx.HTTPError, ValueError) as err:
                down.add(message.peer_id)
                _failed(message, str(err) or err.__class__.__name__, now)
                counts["failed"] += 1
                continue
            try:
                counts[_finish(message, receipt, raw)] += 1
            except DomainError as err:  # the ledger refuses the reversal (e.g. staff corrected the leg already)
                logger.error("federation message %s: its receipt cannot be recorded: %s", message.uuid, err.code)
                _failed(message, f"receipt not recorded: {err.code}", now)
                counts["failed"] += 1
    return counts


def _failed(message: OutboundMessage, error: str, now: dt.datetime) -> None:
    attempts = message.attempts + 1
    OutboundMessage.objects.filter(pk=message.pk, status=MessageStatus.PENDING).update(
        attempts=attempts, next_try_at=now + _retry_delay(attempts), last_error=error[:200])


def _finish(message: OutboundMessage, receipt: dict, raw: bytes) -> str:
    """Record the receipt once; a refusal gives the coins back to the sender by a correction linked to
    our leg (idempotently keyed by the message, so two workers finishing the same message post it once)."""
    status = MessageStatus.REFUSED if receipt.get("status") == MessageStatus.REFUSED else MessageStatus.ACCEPTED
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().select_related("out_transfer").get(pk=message.pk)
        if message.status != MessageStatus.PENDING:
            return "accepted" if message.status == MessageStatus.ACCEPTED else "refused"
        if status == MessageStatus.REFUSED:
            leg = message.out_transfer
            message.reversal = ledger.transfer_post(
                debit=Account.objects.get(pk=leg.credit_id), credit=Account.objects.get(pk=leg.debit_id),
                amount=leg.amount, kind=TransferKind.CORRECTION, memo=str(receipt.get("reason") or "")[:200],
                subject=("clearing.outboundmessage", str(message.uuid)), corrects=leg,
                idempotency_key=f"fed:reverse:{message.uuid}")
        message.status, message.reason = status, str(receipt.get("reason") or "")[:40]
        message.receipt, message.finished_at = raw.decode(), timezone.now()
        message.attempts += 1
        message.save(update_fields=["status", "reason", "receipt", "finished_at", "attempts", "reversal"])
        if status == MessageStatus.REFUSED:
            audit_record(actor=None, action="clearing.federation_refused", obj=message, node=message.bank,
                         bank=message.bank, changes={"amount": message.amount, "reason": message.reason})
    return "accepted" if status == MessageStatus.ACCEPTED else "refused"


# ── receiving ───────────────────────────────────────────────────────────────────────────────────────────

def message_receive(*, raw: bytes, signature: str) -> tuple[bytes, str]:
    """Check and carry out one message from another deployment; the signed receipt (bytes, signature).
    Refused before anything is written: not JSON, not for us, an unknown sender, a bad signature."""
    if len(raw) > MAX_BODY_BYTES:
        raise BadMessage()
    try:
        envelope = json.loads(raw)
        message_id, kind, body = str(uuid.UUID(str(envelope["id"]))), envelope["kind"], envelope["body"]
        if not isinstance(body, dict) or not isinstance(envelope.get("from"), str):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise BadMessage() from None
    _own_key()
    peer = PeerPlatform.objects.select_related("node").filter(name=envelope["from"], is_active=True).first()
    if peer is None or envelope.get("to") != settings.FEDERATION_NAME:
        raise UnknownPlatform()
    if not signature_valid(peer.public_key, raw, signature):
        raise BadSignature()
    if kind == "statement":
        receipt = _receipt(peer=peer, message_id=message_id, kind=kind, status="statement",
                           body=_statement(peer, body.get("pending") or []))
    elif kind == "transfer":
        receipt = _transfer_received(peer, message_id, body, hashlib.sha256(raw).hexdigest())
    else:
        raise BadMessage()
    return receipt, sign(receipt)


def _transfer_received(peer: PeerPlatform, message_id: str, body: dict, digest: str) -> bytes:
    """Credit the member named in the message once, or refuse (nothing posted). The row is written first:
    a second delivery of the same id waits on its unique index, then gets the stored receipt."""
    earlier = InboundMessage.objects.filter(peer=peer, uuid=message_id).first()
    if earlier is not None:
        return _replayed(earlier, digest)
    try:
        with transaction.atomic():
            row = InboundMessage.objects.create(peer=peer, uuid=message_id, kind="transfer", digest=digest,
                                                status=MessageStatus.REFUSED, receipt="")
            recipient, currency, amount, reason = _recipient_of(peer, body)
            if not reason:
                credit = ledger.member_account(recipient, currency)
                rules = LedgerRules.in_force(recipient.bank)
                if rules.gift_recipients == "relatives":  # this bank takes gifts from registered relatives only
                    reason = "gift_not_allowed"
                elif currency == Currency.TIME and rules.gift_max_minutes and amount > rules.gift_max_minutes:
                    reason = "limit_exceeded"
                elif currency == Currency.TIME and rules.balance_cap_minutes and \
                        credit.balance + amount > rules.balance_cap_minutes:
                    reason = "balance_cap"
            if not reason:
                row.in_transfer = _credit_within_cap(peer, message_id, body, recipient, credit, currency, amount)
                reason = "" if row.in_transfer else "balance_cap"
            if not reason:
                row.status, row.bank, row.recipient = MessageStatus.ACCEPTED, recipient.bank, recipient
                audit_record(actor=None, action="clearing.federation_received", obj=row, node=recipient.bank,
                             bank=recipient.bank, changes={"amount": amount, "currency": currency, "peer": peer.name,
                                                           "to": recipient.pk})
            row.currency, row.amount, row.reason = currency, amount, reason
            row.receipt = _receipt(peer=peer, message_id=message_id, kind="transfer", status=row.status,
                                   reason=reason).decode()
            row.save()
    except IntegrityError:
        return _replayed(InboundMessage.objects.get(peer=peer, uuid=message_id), digest)
    return row.receipt.encode()


class _OverCap(Exception):
    pass


def _credit_within_cap(peer, message_id, body, recipient, credit, currency, amount):
    """Post the credit, then read the balance again under the lock the posting holds until commit (two
    messages at once both passed the unlocked check): over the cap, the posting is undone and None returned."""
    cap = LedgerRules.in_force(recipient.bank).balance_cap_minutes if currency == Currency.TIME else 0
    try:
        with transaction.atomic():
            leg = ledger.transfer_post(
                debit=ledger.clearing_account(recipient.bank, peer.node, currency), credit=credit, amount=amount,
                kind=TransferKind.GIFT, memo=str(body.get("memo") or "")[:200],
                subject=("clearing.inboundmessage", message_id), idempotency_key=f"fed:in:{peer.pk}:{message_id}")
            if cap and Account.objects.get(pk=credit.pk).balance > cap:
                raise _OverCap()
            return leg
    except _OverCap:
        return None


def _replayed(earlier: InboundMessage, digest: str) -> bytes:
    if earlier.digest != digest:
        raise MessageIdReused()
    return earlier.receipt.encode()


def _recipient_of(peer: PeerPlatform, body: dict) -> tuple[Person | None, str, int, str]:
    """The member of one of our platform's banks the message names (mobile number and the same full
    name), the currency and amount, and the refusal code if any."""
    amount, currency = body.get("amount"), body.get("currency")
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= ledger.MAX_AMOUNT \
            or currency not in Currency.values:
        return None, str(currency or "")[:8], 0, "bad_amount"
    to = body.get("recipient") if isinstance(body.get("recipient"), dict) else {}
    number = normalise_mobile(str(to.get("mobile") or ""))
    person = (Person.objects.select_related("bank").filter(
        mobile=number, status=PersonStatus.ACTIVE, bank__parent_id=peer.platform_id).first() if number else None)
    if person is None or person.name != str(to.get("name") or "").strip():
        return None, currency, amount, "member_unknown"
    return person, currency, amount, ""


def clearing_balances(peer: PeerPlatform) -> dict[str, int]:
    """Our banks' clearing accounts with the peer, per currency: > 0 our members sent more than they got."""
    totals = (Account.objects.filter(kind=AccountKind.CLEARING, peer=peer.node).values("currency")
              .annotate(credits=Sum("posted_credits"), debits=Sum("posted_debits")))
    return {row["currency"]: row["credits"] - row["debits"] for row in totals}


def _statement(peer: PeerPlatform, their_pending: list) -> dict:
    """Our side, for the peer's reconciliation: our balances with it, which of its unanswered messages we
    have credited, and our own unanswered ones."""
    if not isinstance(their_pending, list):  # signed by the peer, but still not to be trusted to be a list
        their_pending = []
    ids = [str(i) for i in their_pending if isinstance(i, str)][:10000]
    valid = []
    for i in ids:
        try:
            valid.append(str(uuid.UUID(i)))
        except ValueError:
            continue
    accepted = InboundMessage.objects.filter(peer=peer, uuid__in=valid, status=MessageStatus.ACCEPTED)
    return {"balances": clearing_balances(peer),
            "accepted": sorted(str(u) for u in accepted.values_list("uuid", flat=True)),
            "pending": [{"id": str(m["uuid"]), "currency": m["currency"], "amount": m["amount"]} for m in
                        OutboundMessage.objects.filter(peer=peer, status=MessageStatus.PENDING)
                        .values("uuid", "currency", "amount")]}


# ── reconciliation ──────────────────────────────────────────────────────────────────────────────────────

def federation_reconcile(*, actor: Person | None, peer: PeerPlatform) -> ReconciliationReport:
    """Ask the peer for its signed statement and compare, per currency: our clearing balance with it plus
    its with us must equal what is still travelling (each side counts what its members sent as +, so: our
    messages it has not credited plus its messages we have not credited). What is left is the report's
    difference; 0 everywhere means both sides agree. A report made while messages move may differ by a
    message caught half-way; the next one clears it."""
    if actor is not None and not has_perm(actor, Perm.CLEARING_RUN, peer.platform):
        raise PermissionDenied()
    ours_pending = list(OutboundMessage.objects.filter(peer=peer, status=MessageStatus.PENDING)
                        .values("uuid", "currency", "amount"))
    envelope = _envelope(peer=peer, kind="statement", body={"pending": [str(m["uuid"]) for m in ours_pending]})
    report = ReconciliationReport(platform=peer.platform, peer=peer, started_by=actor if actor else None)
    try:
        with httpx.Client(timeout=settings.FEDERATION_TIMEOUT_SECONDS) as client:
            receipt, _raw = _post(peer, envelope, sign(envelope), client)
        statement = receipt["body"]
        theirs = {str(c): int(v) for c, v in statement["balances"].items()}
        accepted = {str(i) for i in statement["accepted"]}
        their_pending = [(str(m["id"]), str(m["currency"]), int(m["amount"])) for m in statement["pending"]]
    except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError) as err:
        report.error = (str(err) or err.__class__.__name__)[:200]
        report.ours = clearing_balances(peer)
        report.save()
        _audit_report(report)
        return report
    with transaction.atomic():
        ours = clearing_balances(peer)
        credited_here = {str(u) for u in InboundMessage.objects.filter(
            peer=peer, uuid__in=[i for i, _c, _a in their_pending], status=MessageStatus.ACCEPTED)
            .values_list("uuid", flat=True)}
        in_flight: dict[str, int] = {}
        for m in ours_pending:
            if str(m["uuid"]) not in accepted:
                in_flight[m["currency"]] = in_flight.get(m["currency"], 0) + m["amount"]
        for message_id, currency, amount in their_pending:
            if message_id not in credited_here:
                in_flight[currency] = in_flight.get(currency, 0) + amount
        currencies = sorted(set(ours) | set(theirs) | set(in_flight))
        report.ours, report.theirs = ours, theirs
        report.in_flight = {c: in_flight.get(c, 0) for c in currencies}
        report.difference = {c: ours.get(c, 0) + theirs.get(c, 0) - in_flight.get(c, 0) for c in currencies}
        report.matches = not any(report.difference.values())
        report.save()
        _audit_report(report)
    return report


def _audit_report(report: ReconciliationReport) -> None:
    audit_record(actor=report.started_by, action="clearing.federation_reconciled", obj=report, node=report.platform,
                 bank=None, changes={"peer": report.peer.name, "matches": report.matches,
                                     "difference": report.difference, "error": report.error})
    if not report.matches:
        logger.warning("clearing with %s does not reconcile: %s %s", report.peer.name, report.difference,
                       report.error)


def federation_reconcile_due(*, now: dt.datetime | None = None) -> list[ReconciliationReport]:
    """The worker's daily job: one reconciliation per active peer and day (Asia/Shanghai), from 02:00."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < RECONCILE_HOUR or not settings.FEDERATION_KEY:
        return []
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    done = []
    for peer in PeerPlatform.objects.filter(is_active=True).select_related("platform"):
        if not peer.reports.filter(made_at__gte=start, error="").exists() and \
                not peer.reports.filter(made_at__gte=now - dt.timedelta(hours=1)).exists():  # a peer down: hourly
            done.append(federation_reconcile(actor=None, peer=peer))
    return done
