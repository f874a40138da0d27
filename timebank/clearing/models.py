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
