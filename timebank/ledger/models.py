"""The ledger: accounts with running totals, immutable transfers, and the seals of the hash chain."""
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.orgs.rules import RuleSet


class Currency(models.TextChoices):
    TIME = "time", _("Time coins (minutes)")
    POINTS = "points", _("Points")


class AccountKind(models.TextChoices):
    MEMBER = "member", _("Member")
    ISSUANCE = "issuance", _("Issuance")  # where new coins come from: its balance is the coins issued
    POOL = "pool", _("Donation pool")
    ESCROW = "escrow", _("Escrow for holds")
    REWARDS = "rewards", _("Rewards (points spent)")
    # One per bank and peer bank: what this bank's members spent in (+) or received from (−) the peer
    # since the last settlement. A pair's two clearing accounts always sum to zero.
    CLEARING = "clearing", _("Clearing with another bank")


class Account(models.Model):
    """One account per member and currency, or per system purpose, node and currency.
    Totals only ever grow and are changed in the same transaction as the transfer that moves
    them, under a row lock. Balance = posted credits − posted debits."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    currency = models.CharField(max_length=8, choices=Currency.choices)
    owner = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="accounts")
    node = models.ForeignKey("orgs.Node", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    peer = models.ForeignKey("orgs.Node", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    allow_negative = models.BooleanField(default=False)
    posted_debits = models.BigIntegerField(default=0)
    posted_credits = models.BigIntegerField(default=0)
    pending_debits = models.BigIntegerField(default=0)
    pending_credits = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # A member who moved to another bank keeps the old bank's account (their old passbook).
            models.UniqueConstraint(fields=["owner", "currency", "bank"], condition=Q(kind="member"),
                                    name="ledger_one_member_account_per_bank"),
            models.UniqueConstraint(fields=["node", "kind", "currency"], condition=~Q(kind__in=["member", "clearing"]),
                                    name="ledger_one_system_account"),
            models.UniqueConstraint(fields=["node", "peer", "currency"], condition=Q(kind="clearing"),
                                    name="ledger_one_clearing_account"),
            models.CheckConstraint(condition=Q(kind="member", owner__isnull=False, node__isnull=True)
                                   | (~Q(kind="member") & Q(owner__isnull=True, node__isnull=False)),
                                   name="ledger_account_owner_or_node"),
            models.CheckConstraint(condition=Q(posted_debits__gte=0, posted_credits__gte=0, pending_debits__gte=0,
                                               pending_credits__gte=0), name="ledger_totals_not_negative"),
            # A member never goes below zero, counting what is held: the database refuses it.
            models.CheckConstraint(condition=Q(allow_negative=True)
                                   | Q(posted_credits__gte=F("posted_debits") + F("pending_debits")),
                                   name="ledger_no_overdraft"),
            models.CheckConstraint(condition=Q(allow_negative=False) | ~Q(kind="member"), name="ledger_members_never_negative"),
        ]

    def __str__(self) -> str:
        who = self.owner_id and f"person {self.owner_id}" or f"{self.kind}@{self.node_id}"
        return f"#{self.pk} {who} {self.currency}"

    @property
    def balance(self) -> int:
        return self.posted_credits - self.posted_debits

    @property
    def available(self) -> int:
        return self.posted_credits - self.posted_debits - self.pending_debits

    @property
    def pending(self) -> int:
        return self.pending_debits


class TransferKind(models.TextChoices):
    SERVICE_CREDIT = "service_credit", _("Service credited")
    GIFT = "gift", _("Gift")
    DONATION = "donation", _("Donation")
    GRANT = "grant", _("Grant")
    REDEMPTION = "redemption", _("Redemption")
    POINTS_EARN = "points_earn", _("Points earned")
    POINTS_SPEND = "points_spend", _("Points spent")
    CORRECTION = "correction", _("Correction")
    OVERFLOW = "overflow", _("Excess over the cap donated")
    CROSS_BANK = "cross_bank", _("Between banks")  # one leg of a move of coins to or from another bank
    SETTLEMENT = "settlement", _("Clearing settled")  # a netting run zeroes a clearing account


class TransferStatus(models.TextChoices):
    POSTED = "posted", _("Posted")
    PENDING = "pending", _("Held")
    SETTLED = "settled", _("Hold settled")  # a hold whose amount (or part of it) was posted by a new transfer
    VOIDED = "voided", _("Hold released")
    EXPIRED = "expired", _("Hold expired")


class Transfer(models.Model):
    """An immutable movement of `amount` from `debit` to `credit`. A hold is a transfer in status
    `pending`: it reserves the amount and later becomes settled, voided or expired — the only
    change a row may ever see. Posting a hold creates a new posted transfer that points to it."""

    # No single-column indexes on these three: (debit, id), (credit, id) and (bank, idempotency_key)
    # below start with them and serve the same look-ups, and every index is written on every posting.
    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+", db_index=False)
    debit = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="debit_transfers", db_index=False)
    credit = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="credit_transfers", db_index=False)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=8, choices=Currency.choices)
    kind = models.CharField(max_length=20, choices=TransferKind.choices)
    status = models.CharField(max_length=10, choices=TransferStatus.choices, default=TransferStatus.POSTED)
    hold = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="postings")
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    subject_type = models.CharField(max_length=40, blank=True)  # what it pays for, e.g. "demands.assignment"
    subject_id = models.CharField(max_length=40, blank=True)
    actor = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    memo = models.CharField(max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=128, null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # The row's keyed fingerprint, written with it by the services (ledger/mac.py): a row changed by
    # anyone without the application's ledger key no longer matches it.
    mac = models.CharField(max_length=120, default="", editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_amount_positive"),
            models.CheckConstraint(condition=~Q(mac=""), name="ledger_transfer_has_mac"),
            models.CheckConstraint(condition=~Q(debit=F("credit")), name="ledger_debit_not_credit"),
            models.CheckConstraint(condition=Q(hold__isnull=True) | Q(status="posted"), name="ledger_posting_of_hold_is_posted"),
        ]
        indexes = [
            models.Index(fields=["debit", "id"], name="ledger_transfer_debit"),
            models.Index(fields=["credit", "id"], name="ledger_transfer_credit"),
            models.Index(fields=["status", "expires_at"], name="ledger_transfer_holds"),
            models.Index(fields=["subject_type", "subject_id"], name="ledger_transfer_subject"),
            # Finds the transfer a key posted (a replay); that a key posts once is TransferKey's unique index.
            models.Index(fields=["bank", "idempotency_key"], name="ledger_transfer_key_lookup"),
        ]

    def __str__(self) -> str:
        return f"T{self.pk} {self.kind} {self.amount} {self.currency} {self.debit_id}→{self.credit_id} {self.status}"


class TransferKey(models.Model):
    """Each idempotency key a bank's transfers used, once. A trigger writes the row as the transfer is
    inserted (ledger migration 0013) and skips the transfer when its key is already here: inserting
    a used key stores nothing, like INSERT … ON CONFLICT DO NOTHING, also between concurrent posts.
    The gate is a table of its own because on PostgreSQL the transfers are partitioned by month, and a
    unique index of a partitioned table must contain the partition key (ledger migration 0014)."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+", db_index=False)
    idempotency_key = models.CharField(max_length=128)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bank", "idempotency_key"], name="ledger_transfer_idempotency")]

    def __str__(self) -> str:
        return f"{self.bank_id}:{self.idempotency_key}"


class ChainHead(models.Model):
    """The newest seal of one bank's hash chain; only the sealing worker locks it."""

    bank = models.OneToOneField("orgs.Node", on_delete=models.PROTECT, related_name="+")
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.bank_id}@{self.seq}"


class Seal(models.Model):
    """Link `seq` of a bank's chain: hash = sha256(previous hash + the transfer's canonical fields)."""

    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, primary_key=True, related_name="seal")
    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bank", "seq"], name="ledger_seal_seq")]

    def __str__(self) -> str:
        return f"{self.bank_id}#{self.seq}"


class CorrectionRequest(models.Model):
    """A correction above the bank's threshold waits here for a second admin (four eyes)."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    original = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="correction_requests")
    amount = models.BigIntegerField()
    reason = models.CharField(max_length=200)
    requested_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    approved = models.BooleanField(null=True)
    transfer = models.OneToOneField(Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_correction_amount_positive")]

    def __str__(self) -> str:
        return f"correction of T{self.original_id}: {self.amount}"


class GrantRequest(models.Model):
    """A grant of time coins to a hardship elder. Up to the bank's threshold it posts at once;
    above it, it waits here for a second admin (four eyes)."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    elder = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="grant_requests")
    amount = models.BigIntegerField()
    source = models.CharField(max_length=16, choices=[("pool", _("Donation pool")), ("issuance", _("Issuance"))])
    reason = models.CharField(max_length=200)
    requested_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.CharField(max_length=160, null=True, blank=True)
    decided_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    approved = models.BooleanField(null=True)
    transfer = models.OneToOneField(Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_grant_amount_positive"),
            models.UniqueConstraint(fields=["bank", "idempotency_key"], name="ledger_grant_idempotency"),
        ]

    def __str__(self) -> str:
        return f"grant of {self.amount} to person {self.elder_id}"


class LedgerRules(RuleSet):
    """The bank's rules for coins (amounts in minutes or whole points; 0 means "no limit")."""

    daily_earn_cap_minutes = models.PositiveIntegerField(
        _("daily earning cap (minutes)"), default=0,
        help_text=_("Minutes a volunteer may earn per day; 0 means no cap (e.g. 120 for 2 hours)."))
    balance_cap_minutes = models.PositiveIntegerField(
        _("balance cap (minutes)"), default=0,
        help_text=_("Largest balance a member may hold; 0 means no cap (Nanjing: 90000 = 1,500 hours)."))
    overflow_policy = models.CharField(_("above the balance cap"), max_length=16, default="reject",
                                       choices=[("reject", _("refuse the credit")), ("donate", _("donate the excess"))])
    min_service_minutes_before_redeem = models.PositiveIntegerField(
        _("service before first redemption (minutes)"), default=0,
        help_text=_("Minutes of service before a first redemption; 0 means none."))
    min_days_before_redeem = models.PositiveIntegerField(_("days of membership before first redemption"), default=0)
    points_per_hour = models.PositiveIntegerField(_("points earned per hour served"), default=10)
    gift_recipients = models.CharField(_("who may receive gifts"), max_length=16, default="relatives",
                                       choices=[("relatives", _("registered relatives only")), ("any", _("any member"))])
    gift_max_minutes = models.PositiveIntegerField(_("largest single gift (minutes)"), default=0,
                                                   help_text=_("Largest single gift in minutes; 0 means no limit."))
    correction_approval_minutes = models.PositiveIntegerField(
        _("corrections above this need a second admin (minutes)"), default=600,
        help_text=_("Corrections and grants above this need a second admin."))
    hold_timeout_hours = models.PositiveIntegerField(_("holds expire after (hours)"), default=24 * 30)
    redeem_across_banks = models.BooleanField(
        _("services booked across banks of the platform"), default=True,
        help_text=_("Our elders may pay with their coins for services in the platform's other banks, and theirs "
                    "for services here. Both banks must allow it."))

    class Meta(RuleSet.Meta):
        pass
