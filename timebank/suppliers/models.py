"""Professional suppliers: register, licences, offers, staff, orders (booked or guaranteed
fulfilment), settlement lines, yearly scores, supplier rules and joint meetings."""
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SupplierStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    REVIEWING = "reviewing", _("Documents in review")
    TRIAL = "trial", _("Trial period")
    ADMITTED = "admitted", _("Admitted")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REMOVED = "removed", _("Removed")


# A supplier in one of these may take new orders.
SERVING_STATUSES = (SupplierStatus.TRIAL, SupplierStatus.ADMITTED)


class SupplierRules(models.Model):
    """A bank's supplier rules from `effective_from` on (the newest not in the future is in force).
    Rows are never edited: a change is a new row and an audit event."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateTimeField(default=timezone.now)
    trial_days = models.PositiveIntegerField(_("trial period (days)"), default=90)
    licence_warn_days = models.PositiveIntegerField(_("warn before a licence expires (days)"), default=30)
    guarantee_hours = models.PositiveIntegerField(_("offer unclaimed coin requests to suppliers (hours before start)"),
                                                  default=24)
    ack_working_days = models.PositiveIntegerField(_("acknowledge a complaint within (working days)"), default=1)
    resolve_days = models.PositiveIntegerField(_("resolve a complaint within (days)"), default=7)
    score_start = models.IntegerField(_("score at the start of a year"), default=100)
    score_rating_1 = models.IntegerField(_("score change for a 1-star rating"), default=-5)
    score_rating_2 = models.IntegerField(_("score change for a 2-star rating"), default=-2)
    score_rating_3 = models.IntegerField(_("score change for a 3-star rating"), default=0)
    score_rating_4 = models.IntegerField(_("score change for a 4-star rating"), default=0)
    score_rating_5 = models.IntegerField(_("score change for a 5-star rating"), default=1)
    score_complaint_minor = models.IntegerField(_("score change for an upheld minor complaint"), default=-5)
    score_complaint_major = models.IntegerField(_("score change for an upheld major complaint"), default=-10)
    score_complaint_serious = models.IntegerField(_("score change for an upheld serious complaint"), default=-20)
    score_late = models.IntegerField(_("score change for a late order"), default=-3)
    late_after_hours = models.PositiveIntegerField(_("an order recorded done this long after its start is late (hours)"),
                                                   default=24)
    missed_after_hours = models.PositiveIntegerField(
        _("an order not done this long after its start is missed (hours)"), default=72)
    score_missed = models.IntegerField(_("score change for a missed order"), default=-10)
    score_commendation = models.IntegerField(_("score change for a commendation"), default=5)
    warn_below = models.IntegerField(_("warn below this score"), default=80)
    suspend_below = models.IntegerField(_("suspend below this score"), default=60)
    exit_below = models.IntegerField(_("propose exit below this score"), default=40)
    created_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["bank", "-effective_from", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(warn_below__gte=models.F("suspend_below"),
                                               suspend_below__gte=models.F("exit_below")),
                                   name="suppliers_rules_thresholds_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.bank_id} @ {self.effective_from:%Y-%m-%d}"


class Supplier(models.Model):
    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    node = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="suppliers",
                             verbose_name=_("belongs to"))
    name = models.CharField(_("name"), max_length=100)
    credit_code = models.CharField(_("unified social credit code"), max_length=18)
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    address = models.CharField(_("address"), max_length=200, blank=True)
    areas = models.ManyToManyField("orgs.Node", related_name="served_by_suppliers", blank=True,
                                   verbose_name=_("service area"))
    status = models.CharField(_("status"), max_length=12, choices=SupplierStatus.choices,
                              default=SupplierStatus.APPLIED)
    trial_until = models.DateField(_("trial until"), null=True, blank=True)
    exit_proposed_at = models.DateTimeField(_("exit proposed at"), null=True, blank=True)
    application_note = models.TextField(_("what the supplier offers (from its application)"), blank=True)
    created_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "credit_code"], name="suppliers_one_per_code_per_bank"),
        ]
        indexes = [models.Index(fields=["bank", "status"], name="suppliers_bank_status")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_serving(self) -> bool:
        return self.status in SERVING_STATUSES


class SupplierStatusChange(models.Model):
    """One step of a supplier's admission / exit history; never edited."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=SupplierStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=SupplierStatus.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    actor = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.supplier_id}: {self.from_status} → {self.to_status}"


class Licence(models.Model):
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="licences")
    kind = models.CharField(_("kind"), max_length=60)
    number = models.CharField(_("number"), max_length=60)
    expires_on = models.DateField(_("expires on"))
    warned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["expires_on", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"


class SupplierOffer(models.Model):
    """A service type the supplier offers, its price in fen, and whether coins may pay for it."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="offers")
    service_type = models.ForeignKey("demands.ServiceType", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("service type"))
    price_fen = models.PositiveIntegerField(_("price (fen)"))
    accepts_coins = models.BooleanField(_("accepts coin redemption"), default=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["supplier", "service_type"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "service_type"], condition=Q(is_active=True),
                                    name="suppliers_one_active_offer_per_type"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_id} {self.service_type_id} {self.price_fen}"


class SupplierMember(models.Model):
    """A person working for a supplier (who also holds the `supplier` role at its node)."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="supplier_memberships")
    # The supplier's own admin: registers and removes the supplier's other staff while it serves.
    is_admin = models.BooleanField(_("supplier admin"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["supplier", "person"], condition=Q(revoked_at__isnull=True),
                                    name="suppliers_one_active_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.supplier_id}"


class Payment(models.TextChoices):
    COINS = "coins", _("The elder's coins")
    SUBSIDY = "subsidy", _("Government subsidy")
    CASH = "cash", _("Cash")


class OrderStatus(models.TextChoices):
    BOOKED = "booked", _("Booked, waiting for the supplier")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    DONE = "done", _("Served, waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    MISSED = "missed", _("Missed: not served in time")


class SupplierOrder(models.Model):
    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="orders")
    offer = models.ForeignKey(SupplierOffer, on_delete=models.PROTECT, related_name="orders")
    service_type = models.ForeignKey("demands.ServiceType", on_delete=models.PROTECT, related_name="+")
    elder = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="supplier_orders")
    starts_at = models.DateTimeField(_("starts at"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    payment = models.CharField(_("payment"), max_length=8, choices=Payment.choices)
    price_fen = models.PositiveIntegerField(_("price (fen)"))
    coin_minutes = models.PositiveIntegerField(default=0)
    hold = models.ForeignKey("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    demand = models.OneToOneField("demands.Demand", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="supplier_order")
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.BOOKED)
    booked_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    booked_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    missed_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=200, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="suppliers_order_rating_1_to_5"),
            models.CheckConstraint(condition=~Q(payment="coins") | Q(coin_minutes__gt=0),
                                   name="suppliers_coin_order_has_minutes"),
        ]
        indexes = [models.Index(fields=["supplier", "status", "starts_at"], name="suppliers_order_inbox")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.supplier} → {self.elder}"


class GuaranteeOfferStatus(models.TextChoices):
    OFFERED = "offered", _("Offered")
    WON = "won", _("Taken")
    LOST = "lost", _("Taken by another supplier")
    WITHDRAWN = "withdrawn", _("No longer needed")


class GuaranteeOffer(models.Model):
    """An unclaimed coin request offered to one supplier (保底); `rank` 1 is cheapest-best."""

    demand = models.ForeignKey("demands.Demand", on_delete=models.PROTECT, related_name="guarantee_offers")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="guarantee_offers")
    offer = models.ForeignKey(SupplierOffer, on_delete=models.PROTECT, related_name="+")
    price_fen = models.PositiveIntegerField()
    rank = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=GuaranteeOfferStatus.choices,
                              default=GuaranteeOfferStatus.OFFERED)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["demand", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["demand", "supplier"], name="suppliers_one_offer_per_demand_supplier"),
            models.UniqueConstraint(fields=["demand"], condition=Q(status="won"), name="suppliers_one_winner"),
        ]

    def __str__(self) -> str:
        return f"demand {self.demand_id} → {self.supplier_id} ({self.status})"


class SettlementLine(models.Model):
    """What the bank's guarantee fund owes a supplier for one guaranteed order."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="settlement_lines")
    order = models.OneToOneField(SupplierOrder, on_delete=models.PROTECT, related_name="settlement_line")
    month = models.DateField()  # the first day of the month the order was taken
    amount_fen = models.PositiveIntegerField()
    coin_minutes = models.PositiveIntegerField(default=0)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # A guaranteed order cancelled or missed before it was paid owes nothing: the line stays, voided.
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["month", "supplier", "id"]
        indexes = [models.Index(fields=["supplier", "month"], name="suppliers_settlement_month")]

    def __str__(self) -> str:
        return f"{self.supplier_id} {self.month:%Y-%m} {self.amount_fen}"


class ScoreReason(models.TextChoices):
    START = "start", _("Start of the year")
    RATING = "rating", _("Rating")
    COMPLAINT = "complaint", _("Upheld complaint")
    LATE = "late", _("Late order")
    MISSED = "missed", _("Missed order")
    COMMENDATION = "commendation", _("Commendation")


class SupplierScore(models.Model):
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="scores")
    year = models.PositiveSmallIntegerField()
    value = models.IntegerField()

    class Meta:
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["supplier", "year"], name="suppliers_one_score_per_year")]

    def __str__(self) -> str:
        return f"{self.supplier_id} {self.year}: {self.value}"


class ScoreEvent(models.Model):
    score = models.ForeignKey(SupplierScore, on_delete=models.PROTECT, related_name="events")
    reason = models.CharField(max_length=14, choices=ScoreReason.choices)
    delta = models.IntegerField()
    value_after = models.IntegerField()
    note = models.CharField(max_length=300, blank=True)
    link_type = models.CharField(max_length=40, blank=True)
    link_id = models.CharField(max_length=40, blank=True)
    actor = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["reason", "link_type", "link_id"], condition=~Q(link_id=""),
                                    name="suppliers_score_event_once_per_link"),
        ]

    def __str__(self) -> str:
        return f"{self.score_id} {self.reason} {self.delta:+d}"


class Meeting(models.Model):
    """A joint supplier meeting (联席交流会)."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    node = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=100)
    attendees = models.TextField(_("attendees"))
    minutes = models.TextField(_("minutes"))
    suppliers = models.ManyToManyField(Supplier, related_name="meetings", blank=True,
                                       verbose_name=_("suppliers concerned"))
    created_by = models.ForeignKey("people.Person", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class MeetingDecision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    text = models.CharField(_("decision"), max_length=300)
    owner = models.CharField(_("owner"), max_length=100)
    due_on = models.DateField(_("due"), null=True, blank=True)

    def __str__(self) -> str:
        return self.text
