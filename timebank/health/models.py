"""Health monitoring (智能助医): IC cards, measuring devices, readings, thresholds and alerts.

Glucose is stored in integer hundredths of mmol/L (5.6 mmol/L → 560); mg/dL is converted with the
factor 18.0 (mg/dL ÷ 18.0 = mmol/L), rounded half up to the hundredth."""
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CardStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    LOST = "lost", _("Reported lost")
    REPLACED = "replaced", _("Replaced")


class HealthCard(models.Model):
    """An elder's health IC card. A UID belongs to one elder in a bank for ever; one active card per elder."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    elder = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="health_cards")
    uid = models.CharField(_("card UID"), max_length=32)
    status = models.CharField(_("status"), max_length=16, choices=CardStatus.choices, default=CardStatus.ACTIVE)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "uid"], name="health_card_uid_per_bank"),
            models.UniqueConstraint(fields=["elder"], condition=Q(status="active"), name="health_one_active_card"),
        ]

    def __str__(self) -> str:
        return f"{self.uid} ({self.get_status_display()})"


class Device(models.Model):
    """A measuring device at a station; it authenticates with a token of which only the hash is kept."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="health_devices",
                                verbose_name=_("station"))
    serial = models.CharField(_("serial number"), max_length=64)
    model = models.CharField(_("model"), max_length=64, blank=True)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["station", "serial"]
        constraints = [models.UniqueConstraint(fields=["bank", "serial"], name="health_device_serial_per_bank")]

    def __str__(self) -> str:
        return f"{self.serial} @ {self.station}"


class ReadingKind(models.TextChoices):
    BP = "bp", _("Blood pressure")
    GLUCOSE = "glucose", _("Blood glucose")
    HEART_RATE = "heart_rate", _("Heart rate")


class GlucoseContext(models.TextChoices):
    FASTING = "fasting", _("Fasting")
    AFTER_MEAL = "after_meal", _("After a meal")
    RANDOM = "random", _("Random")


class Level(models.TextChoices):
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Reading(models.Model):
    """One measurement. From a device, (device, sequence) stores once (ReadingKey), so a replayed batch
    stores nothing twice."""

    # The busiest table: no single-column index per foreign key (each would be written on every insert);
    # the composite indexes below start with elder, station and device and serve those look-ups.
    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+", db_index=False)
    station = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+", db_index=False)
    elder = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="health_readings",
                              db_index=False)
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.PROTECT, related_name="readings",
                               db_index=False)
    sequence = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ReadingKind.choices)
    systolic = models.PositiveSmallIntegerField(_("systolic (mmHg)"), null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField(_("diastolic (mmHg)"), null=True, blank=True)
    glucose = models.PositiveIntegerField(_("glucose (0.01 mmol/L)"), null=True, blank=True)
    glucose_context = models.CharField(_("when"), max_length=16, choices=GlucoseContext.choices, blank=True)
    bpm = models.PositiveSmallIntegerField(_("heart rate (bpm)"), null=True, blank=True)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices, default=Level.NORMAL)
    measured_at = models.DateTimeField(_("measured at"))
    received_at = models.DateTimeField(default=timezone.now)
    batch = models.UUIDField(null=True, blank=True)  # which ingest stored it: tells "stored" from "duplicate"
    manual = models.BooleanField(_("entered by hand"), default=False)
    entered_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   db_index=False)

    class Meta:
        ordering = ["-measured_at", "-id"]
        indexes = [models.Index(fields=["elder", "kind", "measured_at"], name="health_reading_elder_kind"),
                   models.Index(fields=["station", "measured_at"], name="health_reading_station"),
                   # Finds an earlier upload's reading; that (device, sequence) stores once is ReadingKey's index.
                   models.Index(fields=["device", "sequence"], condition=Q(device__isnull=False),
                                name="health_reading_device_seq")]
        constraints = [
            models.CheckConstraint(name="health_reading_values", condition=(
                Q(kind="bp", systolic__gte=40, systolic__lte=300, diastolic__gte=20, diastolic__lte=200,
                  glucose__isnull=True, bpm__isnull=True)
                | Q(kind="glucose", glucose__gte=50, glucose__lte=5000, systolic__isnull=True,
                    diastolic__isnull=True, bpm__isnull=True)
                | Q(kind="heart_rate", bpm__gte=20, bpm__lte=250, systolic__isnull=True, diastolic__isnull=True,
                    glucose__isnull=True))),
            models.CheckConstraint(name="health_reading_source",
                                   condition=Q(manual=True, entered_by__isnull=False) | Q(manual=False,
                                                                                           device__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.elder_id} {self.kind} {self.measured_at:%Y-%m-%d %H:%M}"


class ReadingKey(models.Model):
    """Each (device, sequence) stored, once. A trigger writes the row as the reading is inserted
    (health migration 0004) and skips the reading when the pair is already here, so a re-sent batch
    stores nothing twice, also between concurrent uploads. A table of its own because on PostgreSQL
    readings are partitioned by month and a partitioned table's unique index must contain the
    partition key (health migration 0005)."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="+", db_index=False)
    sequence = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "sequence"], name="health_reading_device_sequence")]

    def __str__(self) -> str:
        return f"{self.device_id}#{self.sequence}"


class Thresholds(models.Model):
    """Alert limits for a bank (elder empty) or one elder, from `effective_from` on. Never edited:
    a change is a new row (and an audit event). Glucose limits in hundredths of mmol/L."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    elder = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateTimeField(default=timezone.now)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    bp_systolic_high = models.PositiveSmallIntegerField(_("systolic high from (mmHg)"), default=140)
    bp_diastolic_high = models.PositiveSmallIntegerField(_("diastolic high from (mmHg)"), default=90)
    bp_systolic_urgent = models.PositiveSmallIntegerField(_("systolic urgent from (mmHg)"), default=180)
    bp_diastolic_urgent = models.PositiveSmallIntegerField(_("diastolic urgent from (mmHg)"), default=110)
    glucose_fasting_high = models.PositiveIntegerField(_("fasting glucose high from (0.01 mmol/L)"), default=700)
    glucose_after_meal_high = models.PositiveIntegerField(_("after-meal/random glucose high from (0.01 mmol/L)"),
                                                          default=1110)
    glucose_low = models.PositiveIntegerField(_("glucose low below (0.01 mmol/L)"), default=390)
    glucose_urgent_low = models.PositiveIntegerField(_("glucose urgent below (0.01 mmol/L)"), default=300)
    heart_rate_low = models.PositiveSmallIntegerField(_("heart rate low below (bpm)"), default=50)
    heart_rate_high = models.PositiveSmallIntegerField(_("heart rate high above (bpm)"), default=100)
    heart_rate_urgent_low = models.PositiveSmallIntegerField(_("heart rate urgent below (bpm)"), default=40)
    heart_rate_urgent_high = models.PositiveSmallIntegerField(_("heart rate urgent above (bpm)"), default=130)
    sustained_high_count = models.PositiveSmallIntegerField(_("sustained rule: high readings"), default=3)
    sustained_last = models.PositiveSmallIntegerField(_("sustained rule: of the last readings"), default=5)
    sustained_days = models.PositiveSmallIntegerField(_("sustained rule: within days"), default=30)
    escalate_after_minutes = models.PositiveIntegerField(_("escalate unacknowledged urgent alerts after (minutes)"),
                                                         default=30)
    created_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["bank", "elder", "-effective_from", "-id"]
        indexes = [models.Index(fields=["bank", "elder", "effective_from"], name="health_thresholds_from")]
        constraints = [
            models.CheckConstraint(name="health_thresholds_order", condition=(
                Q(bp_systolic_high__lt=models.F("bp_systolic_urgent"))
                & Q(bp_diastolic_high__lt=models.F("bp_diastolic_urgent"))
                & Q(glucose_urgent_low__lt=models.F("glucose_low"))
                & Q(glucose_low__lt=models.F("glucose_fasting_high"))
                & Q(heart_rate_urgent_low__lt=models.F("heart_rate_low"))
                & Q(heart_rate_low__lt=models.F("heart_rate_high"))
                & Q(heart_rate_high__lt=models.F("heart_rate_urgent_high"))
                & Q(sustained_high_count__gte=1) & Q(sustained_high_count__lte=models.F("sustained_last")))),
        ]

    def __str__(self) -> str:
        return f"{self.bank_id}/{self.elder_id or '-'} @ {self.effective_from:%Y-%m-%d}"


class AlertRule(models.TextChoices):
    BP_URGENT = "bp_urgent", _("Blood pressure at an urgent level")
    GLUCOSE_URGENT = "glucose_urgent", _("Blood glucose at an urgent level")
    HEART_RATE_URGENT = "heart_rate_urgent", _("Heart rate at an urgent level")
    BP_SUSTAINED = "bp_sustained", _("Blood pressure high for a while")


class Severity(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    FOLLOW_UP = "follow_up", _("Follow up")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    FOLLOWED_UP = "followed_up", _("Followed up")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    PHONED = "phoned", _("Phoned the elder")
    VISITED = "visited", _("Visited the elder")
    REFERRED = "referred", _("Referred to hospital")
    NO_ANSWER = "no_answer", _("No answer")


class Alert(models.Model):
    """A reading (or a run of them) outside the limits, for medical staff to act on.
    At most one alert per (elder, rule) is not closed: new readings add to it, not beside it."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    # The elder's own station, whose medical staff follow them up, wherever the reading was taken.
    station = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    elder = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="health_alerts")
    rule = models.CharField(_("rule"), max_length=20, choices=AlertRule.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    status = models.CharField(_("status"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    reading = models.ForeignKey(Reading, on_delete=models.PROTECT, related_name="+")
    last_reading = models.ForeignKey(Reading, on_delete=models.PROTECT, related_name="+")
    readings_count = models.PositiveIntegerField(default=1)
    opened_at = models.DateTimeField(default=timezone.now)
    # Where the alert is waiting: the station at first, the next node up after each escalation.
    level_node = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    escalations = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    followed_up_at = models.DateTimeField(null=True, blank=True)
    followed_up_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["status", "severity", "opened_at"], name="health_alert_queue")]
        constraints = [
            models.UniqueConstraint(fields=["elder", "rule"], condition=~Q(status="closed"),
                                    name="health_one_open_alert_per_rule"),
            models.CheckConstraint(name="health_alert_outcome",
                                   condition=Q(status__in=["open", "acknowledged"]) | ~Q(outcome="")),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_rule_display()} ({self.get_status_display()})"


class ProxyHealthConsent(models.Model):
    """The elder agreed that this proxy may see their health values and hear about their alerts."""

    elder = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    proxy = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    given_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        ordering = ["-given_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["elder", "proxy"], condition=Q(withdrawn_at__isnull=True),
                                               name="health_one_active_consent")]

    def __str__(self) -> str:
        return f"{self.proxy_id} → {self.elder_id}"
