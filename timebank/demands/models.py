"""Demands and service records: the service catalogue, demands (one-off or from a weekly series),
each volunteer's assignment on a demand from claim to credit, and the in-app notice inbox."""
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.orgs.rules import RuleSet


class ServiceCategory(models.TextChoices):
    EMOTIONAL = "emotional", _("Emotional comfort")  # 情感慰藉
    ASSISTANCE = "assistance", _("Practical help")  # 协助服务
    COMPANIONSHIP = "companionship", _("Going-out companionship")  # 出行陪伴
    RECREATION = "recreation", _("Culture and sports")  # 文体活动
    HEALTH = "health", _("Health education")  # 健康科普
    LEGAL = "legal", _("Legal aid")  # 法律援助
    TRAINING = "training", _("Training and lectures")  # 培训讲座
    FRAUD = "fraud", _("Financial and online fraud prevention")  # 防范金融和网络风险
    PERSONAL = "personal", _("Other personal services")  # 其他个性化


class ServiceMode(models.TextChoices):
    ONE_TO_ONE = "one_to_one", _("One-to-one")
    GROUP = "group", _("Group activity")


class ServiceType(models.Model):
    """A kind of service a bank offers. Minutes credited = minutes served × rate_percent / 100."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=ServiceCategory.choices)
    mode = models.CharField(_("mode"), max_length=16, choices=ServiceMode.choices, default=ServiceMode.ONE_TO_ONE)
    default_minutes = models.PositiveIntegerField(_("usual duration (minutes)"), default=60)
    rate_percent = models.PositiveIntegerField(_("coin rate (percent of time served)"), default=100)
    points_per_hour = models.PositiveIntegerField(_("points per hour served"), default=10)
    required_certificate = models.CharField(_("certificate required"), max_length=40, blank=True)
    is_active = models.BooleanField(_("offered"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["bank", "category", "code"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "code"], name="demands_service_type_code"),
            models.CheckConstraint(condition=Q(rate_percent__gte=1, rate_percent__lte=1000),
                                   name="demands_service_type_rate_range"),
            models.CheckConstraint(condition=Q(default_minutes__gte=5, default_minutes__lte=24 * 60),
                                   name="demands_service_type_minutes_range"),
        ]

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str = "zh-hans") -> str:
        return self.name_en if language == "en" and self.name_en else self.name

    def credit_for(self, served_minutes: int) -> int:
        return served_minutes * self.rate_percent // 100

    def points_for(self, served_minutes: int) -> int:
        return served_minutes * self.points_per_hour // 60


class Payer(models.TextChoices):
    BRANCH = "branch", _("The branch (public welfare)")
    ELDER = "elder", _("The elder's own coins")


class DemandStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("Waiting for review")
    PUBLISHED = "published", _("Open for volunteers")
    CLAIMED = "claimed", _("All places taken")
    IN_SERVICE = "in_service", _("In service")
    DONE = "done", _("Served, waiting for confirmation")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired (nobody came forward)")


# A demand in one of these can still be claimed (if a place is free) or cancelled.
OPEN_STATUSES = (DemandStatus.PUBLISHED, DemandStatus.CLAIMED)
LIVE_STATUSES = (DemandStatus.PUBLISHED, DemandStatus.CLAIMED, DemandStatus.IN_SERVICE, DemandStatus.DONE)


class DemandSeries(models.Model):
    """A recurring demand (e.g. every Tuesday 9:00–10:00 until a date); the worker generates its
    dated instances ahead. Times are local wall-clock times of the bank (Asia/Shanghai)."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="demand_series")
    elder = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    weekday = models.PositiveSmallIntegerField(_("weekday"))  # Monday = 0
    start_time = models.TimeField(_("start time"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    starts_on = models.DateField(_("first day"))
    until = models.DateField(_("last day"))
    headcount = models.PositiveSmallIntegerField(_("volunteers needed"), default=1)
    notes = models.TextField(_("notes"), blank=True)
    payer = models.CharField(_("paid by"), max_length=8, choices=Payer.choices, default=Payer.BRANCH)
    publish = models.BooleanField(default=True)
    generated_until = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey("people.Person", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="demands_series_weekday"),
            models.CheckConstraint(condition=Q(until__gte=F("starts_on")), name="demands_series_until_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.service_type} / {self.weekday} {self.start_time:%H:%M}"


class Demand(models.Model):
    """A need: who is served (an elder, several elders, or a community), what, where, when, how
    many volunteers, and who pays. `claimed_count` counts live assignments; the database keeps it
    within the headcount."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="demands")
    elder = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="demands", verbose_name=_("elder"))
    elders = models.ManyToManyField("people.Person", blank=True, related_name="group_demands")
    for_community = models.BooleanField(_("for the whole community"), default=False)
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="demands",
                                     verbose_name=_("service type"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    headcount = models.PositiveSmallIntegerField(_("volunteers needed"), default=1)
    claimed_count = models.PositiveSmallIntegerField(default=0)
    notes = models.TextField(_("notes"), blank=True)
    payer = models.CharField(_("paid by"), max_length=8, choices=Payer.choices, default=Payer.BRANCH)
    status = models.CharField(_("status"), max_length=12, choices=DemandStatus.choices, default=DemandStatus.DRAFT)
    series = models.ForeignKey(DemandSeries, null=True, blank=True, on_delete=models.PROTECT, related_name="demands")
    created_by = models.ForeignKey("people.Person", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    # When the fitting volunteers were told of it (the worker's sweep does it once).
    announced_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cancel_reason = models.CharField(max_length=200, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="demands_demand_ends_after_start"),
            models.CheckConstraint(condition=Q(headcount__gte=1, headcount__lte=200), name="demands_demand_headcount"),
            # The last line of defence against overbooking, whatever the Python does.
            models.CheckConstraint(condition=Q(claimed_count__lte=F("headcount")), name="demands_demand_not_overbooked"),
            models.CheckConstraint(condition=Q(payer="branch") | Q(elder__isnull=False), name="demands_elder_pays_needs_elder"),
            models.UniqueConstraint(fields=["series", "starts_at"], condition=Q(series__isnull=False),
                                    name="demands_one_instance_per_series_start"),
        ]
        indexes = [
            models.Index(fields=["status", "branch", "starts_at"], name="demands_feed"),
            models.Index(fields=["station", "starts_at"], name="demands_station_start"),
            models.Index(fields=["status", "starts_at"], name="demands_status_start"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.service_type}"

    @property
    def planned_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def places_left(self) -> int:
        return max(0, self.headcount - self.claimed_count)


class AssignmentStatus(models.TextChoices):
    CLAIMED = "claimed", _("Claimed")
    CHECKED_IN = "checked_in", _("Checked in")
    DONE = "done", _("Served, waiting for confirmation")
    DISPUTED = "disputed", _("Disputed")
    CONFIRMED = "confirmed", _("Confirmed, credit pending")
    CREDITED = "credited", _("Credited")
    NO_SHOW = "no_show", _("Did not come")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Not credited after a dispute")


# Assignments that hold a place on their demand (everything but a withdrawn claim).
PLACE_HOLDING = [s for s in AssignmentStatus.values if s != AssignmentStatus.CANCELLED]
# Assignments that still block the volunteer's time (for overlap checks).
TIME_BLOCKING = [AssignmentStatus.CLAIMED, AssignmentStatus.CHECKED_IN]
SETTLED = [AssignmentStatus.CREDITED, AssignmentStatus.NO_SHOW, AssignmentStatus.CANCELLED, AssignmentStatus.REJECTED]


class CheckInMethod(models.TextChoices):
    GPS = "gps", _("Location")
    STATION_CODE = "station_code", _("Station code")
    STAFF = "staff", _("Confirmed by staff")
    PAPER = "paper", _("Paper record")


class Assignment(models.Model):
    """One volunteer's place on a demand, from claim to credit. The demand's times are copied
    here so a volunteer's overlapping claims are one indexed query."""

    demand = models.ForeignKey(Demand, on_delete=models.PROTECT, related_name="assignments")
    volunteer = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="assignments",
                                  verbose_name=_("volunteer"))
    status = models.CharField(_("status"), max_length=12, choices=AssignmentStatus.choices,
                              default=AssignmentStatus.CLAIMED)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    claimed_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.ForeignKey("people.Person", null=True, on_delete=models.PROTECT, related_name="+")
    dispatched = models.BooleanField(_("dispatched by staff"), default=False)
    reminded_at = models.DateTimeField(null=True, blank=True)
    check_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    check_in_method = models.CharField(max_length=16, choices=CheckInMethod.choices, blank=True)
    check_in_latitude = models.FloatField(null=True, blank=True)
    check_in_longitude = models.FloatField(null=True, blank=True)
    check_in_distance_m = models.PositiveIntegerField(null=True, blank=True)
    check_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    check_out_latitude = models.FloatField(null=True, blank=True)
    check_out_longitude = models.FloatField(null=True, blank=True)
    served_minutes = models.PositiveIntegerField(_("minutes served"), null=True, blank=True)
    paper_reason = models.CharField(max_length=200, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    auto_confirmed = models.BooleanField(default=False)
    dispute_reason = models.CharField(max_length=500, blank=True)
    disputed_at = models.DateTimeField(null=True, blank=True)
    disputed_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolution = models.CharField(max_length=500, blank=True)
    hold = models.ForeignKey("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    credited_minutes = models.PositiveIntegerField(null=True, blank=True)
    credited_points = models.PositiveIntegerField(null=True, blank=True)
    credit_transfer_ids = models.JSONField(default=list, blank=True)
    credit_error = models.CharField(max_length=40, blank=True)
    credited_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["demand", "volunteer"], condition=~Q(status="cancelled"),
                                    name="demands_one_live_assignment_per_volunteer"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="demands_rating_1_to_5"),
            models.CheckConstraint(condition=Q(check_out_at__isnull=True) | Q(check_in_at__isnull=False),
                                   name="demands_check_out_after_check_in"),
        ]
        indexes = [
            models.Index(fields=["volunteer", "status", "starts_at"], name="demands_assignment_volunteer"),
            models.Index(fields=["status", "starts_at"], name="demands_assignment_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.volunteer} @ demand {self.demand_id}"


class VolunteerArea(models.Model):
    """A further branch whose demands a volunteer wants to see and take, besides their home branch."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="volunteer_areas")
    branch = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "branch"], name="demands_one_area_per_branch")]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.branch_id}"


class DemandRules(RuleSet):
    """The bank's rules for requests and services."""

    demand_review_required = models.BooleanField(_("demands from members need review before publishing"),
                                                 default=False)
    checkin_radius_m = models.PositiveIntegerField(_("check-in radius (metres)"), default=200)
    unclaim_cutoff_hours = models.PositiveIntegerField(_("volunteers may unclaim until (hours before start)"),
                                                       default=2)
    no_show_grace_minutes = models.PositiveIntegerField(_("no check-in after start → no-show (minutes)"), default=30)
    auto_confirm_days = models.PositiveIntegerField(_("unconfirmed services confirm themselves after (days)"),
                                                    default=3)
    service_tolerance_minutes = models.PositiveIntegerField(
        _("served time may exceed the planned window by (minutes)"), default=30)

    class Meta(RuleSet.Meta):
        pass


class OfferStatus(models.TextChoices):
    ACTIVE = "active", _("Offered")
    PAUSED = "paused", _("Paused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Offer(models.Model):
    """我能提供: what a member says they can offer (a kind of service, in their words, when they are
    usually free) at their home station. Staff turn it into a request for an elder with this member
    already assigned (`OfferRequest` records each)."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="offers")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="offers",
                               verbose_name=_("offered by"))
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="offers",
                                     verbose_name=_("service type"))
    description = models.CharField(_("what I can offer"), max_length=200)
    free_slots = models.JSONField(_("usually free"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=OfferStatus.choices, default=OfferStatus.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["station", "status"], name="demands_offer_station")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.service_type} / {self.person_id}"


class OfferRequest(models.Model):
    """A request staff made from an offer (one per submitted form or Idempotency-Key: a double submit
    finds the first)."""

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="requests")
    demand = models.OneToOneField(Demand, on_delete=models.PROTECT, related_name="from_offer")
    key = models.CharField(max_length=100)
    created_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["offer", "key"], name="demands_offer_request_once")]

    def __str__(self) -> str:
        return f"offer {self.offer_id} → demand {self.demand_id}"
