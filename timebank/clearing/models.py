"""通存通兑 between the banks of one platform: each move of coins between two banks, the daily
netting runs that settle the banks' clearing accounts, and members who moved to another bank."""
import uuid

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.ledger.models import Currency


class CrossBankKind(models.TextChoices):
    GIFT = "gift", _("Gift to a member of another bank")
    MOVE = "move", _("Member moved to another bank")
    REDEEM = "redeem", _("Service in another bank paid with coins")


class CrossBankTransfer(models.Model):
    """One move of coins from a member of `bank` to a member of `peer`: the two ledger legs (one in each
    bank, through their clearing accounts) and why (for a redemption: the elder of `bank` paid the
    volunteer of `peer` for a service booked there; the memo names the service). Written after the legs,
    in their transaction, so a netting run that holds the clearing accounts sees every record whose legs
    it settles."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")  # the payer's bank
    peer = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")  # the payee's bank
    ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # the legs' subject
    kind = models.CharField(max_length=8, choices=CrossBankKind.choices)
    currency = models.CharField(max_length=8, choices=Currency.choices)
    amount = models.BigIntegerField()
    sender = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    out_transfer = models.OneToOneField("ledger.Transfer", on_delete=models.PROTECT, related_name="+")
    in_transfer = models.OneToOneField("ledger.Transfer", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    memo = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="clearing_amount_positive"),
            models.CheckConstraint(condition=~Q(bank=F("peer")), name="clearing_between_two_banks"),
        ]
        indexes = [models.Index(fields=["bank", "id"], name="clearing_cbt_bank"),
                   models.Index(fields=["peer", "id"], name="clearing_cbt_peer")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency} {self.bank_id}→{self.peer_id}"


class NettingRun(models.Model):
    """One day's netting of a platform: every clearing account brought back to zero against its bank's
    issuance, once per business day (the unique constraint is the last defence against a second run).
    It covers the cross-bank records with id ≤ `up_to_id`. A platform-wide row: `platform`, not `bank`."""

    platform = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    business_day = models.DateField(_("business day"))
    after_id = models.BigIntegerField(default=0)
    up_to_id = models.BigIntegerField(default=0)
    records = models.PositiveIntegerField(default=0)
    settled_minutes = models.BigIntegerField(default=0)  # the sum of the banks' positive net positions
    started_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-business_day", "-id"]
        constraints = [models.UniqueConstraint(fields=["platform", "business_day"], name="clearing_one_run_per_day")]

    def __str__(self) -> str:
        return f"netting {self.business_day}"


class NettingPosition(models.Model):
    """What one bank's clearing account with one peer held when the run settled it: `balance` > 0 means
    this bank's members spent that much at the peer (the bank owed it), < 0 that the peer owed it.
    `sent`/`received` are the records' sums since the previous run; balance = sent − received."""

    run = models.ForeignKey(NettingRun, on_delete=models.PROTECT, related_name="positions")
    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    peer = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=8, choices=Currency.choices)
    sent = models.BigIntegerField(default=0)
    received = models.BigIntegerField(default=0)
    balance = models.BigIntegerField(default=0)
    settlement = models.OneToOneField("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")

    class Meta:
        ordering = ["bank_id", "peer_id", "currency"]
        constraints = [models.UniqueConstraint(fields=["run", "bank", "peer", "currency"],
                                               name="clearing_one_position_per_pair")]

    def __str__(self) -> str:
        return f"{self.bank_id}→{self.peer_id} {self.balance} {self.currency}"


class MemberMove(models.Model):
    """搬迁: a member left `bank` for `to_bank` with their coins and points. Their old accounts stay in
    the old bank (their old passbook, readable by them) and this row points from them to the new ones."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")  # the bank they left
    to_bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="bank_moves")
    from_node = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    to_node = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    minutes = models.BigIntegerField(default=0)
    points = models.BigIntegerField(default=0)
    reason = models.CharField(_("reason"), max_length=200)
    moved_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    moved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-moved_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(bank=F("to_bank")), name="clearing_move_to_another_bank")]

    def __str__(self) -> str:
        return f"person {self.person_id}: {self.bank_id} → {self.to_bank_id}"


# ── Clearing between two deployments (another city, or a district running its own server) ──────────────
# The other deployment is represented here by a platform node of its own (`PeerPlatform.node`): each of our
# banks keeps a clearing account with that node, so coins leave and enter our ledger exactly as between two
# banks of one platform, and the other deployment holds the opposite in its own database. Messages between
# the two are signed (Ed25519), carry a unique id and are acknowledged by a signed receipt.


class PeerPlatform(models.Model):
    """Another deployment this platform clears with: where to send, the key its messages are signed with,
    and the node our clearing accounts name as their peer. A platform-wide row (`platform`, no bank)."""

    platform = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")  # ours
    node = models.OneToOneField("orgs.Node", on_delete=models.PROTECT, related_name="peer_platform")  # stands for it
    name = models.CharField(_("federation name"), max_length=64, unique=True)  # the name it signs as
    base_url = models.URLField(_("address"), max_length=200)
    public_key = models.CharField(_("public key"), max_length=64)  # Ed25519, 32 bytes in base64
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the other platform")
    ACCEPTED = "accepted", _("Credited by the other platform")
    REFUSED = "refused", _("Refused by the other platform; coins returned")


class OutboundMessage(models.Model):
    """A transfer to a member of another deployment: our leg (member → clearing with that deployment) is
    posted in the same transaction as this row, and the worker sends the signed message until a signed
    receipt comes back. A refusal in the receipt posts the compensating transfer (`reversal`)."""

    peer = models.ForeignKey(PeerPlatform, on_delete=models.PROTECT, related_name="outbound")
    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")  # the sender's bank
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, default="transfer")
    sender = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=8, choices=Currency.choices)
    amount = models.BigIntegerField()
    envelope = models.TextField()  # the exact bytes sent (UTF-8 JSON), signed once: every retry sends the same
    signature = models.CharField(max_length=100)
    out_transfer = models.OneToOneField("ledger.Transfer", on_delete=models.PROTECT, related_name="+")
    reversal = models.OneToOneField("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    reason = models.CharField(max_length=40, blank=True)  # the receiver's refusal code
    receipt = models.TextField(blank=True)  # the receiver's signed receipt, as received
    attempts = models.PositiveIntegerField(default=0)
    next_try_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="clearing_outbound_amount_positive")]
        indexes = [models.Index(fields=["status", "next_try_at"], name="clearing_outbound_due")]

    def __str__(self) -> str:
        return f"{self.uuid} → {self.peer_id} {self.status}"


class InboundMessage(models.Model):
    """A message received from another deployment, once per (peer, id): the same id again gets the
    stored receipt back and posts nothing. `digest` is the SHA-256 of the signed bytes, so a different
    message reusing an id is refused."""

    peer = models.ForeignKey(PeerPlatform, on_delete=models.PROTECT, related_name="inbound")
    uuid = models.UUIDField()
    kind = models.CharField(max_length=16)
    digest = models.CharField(max_length=64)
    bank = models.ForeignKey("orgs.Node", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=8, blank=True)
    amount = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=MessageStatus.choices)
    reason = models.CharField(max_length=40, blank=True)
    in_transfer = models.OneToOneField("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    receipt = models.TextField()  # what we answered, byte for byte (signed again on every answer)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["peer", "uuid"], name="clearing_inbound_once_per_peer")]

    def __str__(self) -> str:
        return f"{self.uuid} ← {self.peer_id} {self.status}"


class ReconciliationReport(models.Model):
    """One comparison of our clearing with another deployment against its signed statement, per currency:
    ours + theirs must equal what is still travelling; `difference` is what is left (0 = they agree)."""

    platform = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    peer = models.ForeignKey(PeerPlatform, on_delete=models.PROTECT, related_name="reports")
    made_at = models.DateTimeField(default=timezone.now)
    ours = models.JSONField(default=dict)  # {currency: our banks' clearing balance with the peer}
    theirs = models.JSONField(default=dict)  # {currency: the peer's clearing balance with us}
    in_flight = models.JSONField(default=dict)  # {currency: ours not yet credited there + theirs not yet here}
    difference = models.JSONField(default=dict)
    matches = models.BooleanField(default=False)
    error = models.CharField(max_length=200, blank=True)  # the peer could not be asked
    started_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-made_at", "-id"]

    def __str__(self) -> str:
        return f"reconciliation with {self.peer_id} at {self.made_at:%Y-%m-%d %H:%M}"
