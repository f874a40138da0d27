"""The organisation tree (platform → bank → branch → station), bank rules and staff role grants."""
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import Role


class NodeKind(models.TextChoices):
    PLATFORM = "platform", _("Platform")
    BANK = "bank", _("Bank (district)")
    BRANCH = "branch", _("Branch (street)")
    STATION = "station", _("Service station (community)")


CHILD_KIND = {NodeKind.PLATFORM: NodeKind.BANK, NodeKind.BANK: NodeKind.BRANCH, NodeKind.BRANCH: NodeKind.STATION}


class Node(models.Model):
    """One node of the tree. `path` is the materialised path of ids ("/1/4/17/"): a subtree is
    one indexed prefix query at any depth."""

    kind = models.CharField(_("kind"), max_length=16, choices=NodeKind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # The tenant key: the bank node this node belongs to (a bank points to itself; the platform to none).
    bank = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    path = models.CharField(max_length=255, unique=True)
    depth = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    code = models.CharField(_("code"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    is_closed = models.BooleanField(_("closed"), default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="orgs_node_path_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["bank", "kind"], name="orgs_node_bank_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="platform", parent__isnull=True) | models.Q(parent__isnull=False),
                name="orgs_node_only_platform_is_root",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str = "zh-hans") -> str:
        return self.name_en if language == "en" and self.name_en else self.name

    def is_within(self, other: "Node") -> bool:
        return self.path.startswith(other.path)


class BankRules(models.Model):
    """A bank's rules from `effective_from` on; the newest row not in the future is in force.
    Rows are never edited: a change is a new row (and an audit event)."""

    bank = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="rule_sets")
    effective_from = models.DateTimeField(default=timezone.now)
    volunteer_approval_required = models.BooleanField(_("volunteers need approval"), default=True)
    volunteer_min_age = models.PositiveSmallIntegerField(_("minimum volunteer age"), default=18)
    elder_min_age = models.PositiveSmallIntegerField(_("minimum elder age"), default=60)
    # Ledger rules (amounts in minutes or whole points; 0 means "no limit").
    daily_earn_cap_minutes = models.PositiveIntegerField(_("daily earning cap (minutes)"), default=0)
    balance_cap_minutes = models.PositiveIntegerField(_("balance cap (minutes)"), default=0)
    overflow_policy = models.CharField(_("above the balance cap"), max_length=16, default="reject",
                                       choices=[("reject", _("refuse the credit")), ("donate", _("donate the excess"))])
    min_service_minutes_before_redeem = models.PositiveIntegerField(_("service before first redemption (minutes)"),
                                                                    default=0)
    min_days_before_redeem = models.PositiveIntegerField(_("days of membership before first redemption"), default=0)
    points_per_hour = models.PositiveIntegerField(_("points earned per hour served"), default=10)
    gift_recipients = models.CharField(_("who may receive gifts"), max_length=16, default="relatives",
                                       choices=[("relatives", _("registered relatives only")), ("any", _("any member"))])
    gift_max_minutes = models.PositiveIntegerField(_("largest single gift (minutes)"), default=0)
    correction_approval_minutes = models.PositiveIntegerField(
        _("corrections above this need a second admin (minutes)"), default=600)
    hold_timeout_hours = models.PositiveIntegerField(_("holds expire after (hours)"), default=24 * 30)
    # Demand and service rules.
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
    # Teams, training and honours.
    team_hours_donation_only = models.BooleanField(_("hours earned in team activities are donated to the pool"),
                                                   default=False)
    orientation_course_code = models.CharField(_("course required before a first claim (code)"), max_length=40,
                                               blank=True)
    certificate_reminder_days = models.PositiveIntegerField(_("remind volunteers before a certificate expires (days)"),
                                                            default=30)
    honour_thresholds_hours = models.CharField(_("star levels at these cumulative hours"), max_length=80,
                                               default="100,300,600,1000,1500")
    created_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["bank", "-effective_from", "-id"]
        indexes = [models.Index(fields=["bank", "effective_from"], name="orgs_rules_bank_from")]

    def __str__(self) -> str:
        return f"{self.bank} @ {self.effective_from:%Y-%m-%d}"


class RoleGrant(models.Model):
    """A staff role held by a person at a node; revoking stamps `revoked_at`, nothing is deleted."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="role_grants")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="role_grants")
    bank = models.ForeignKey(Node, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    granted_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "role", "node"], condition=models.Q(revoked_at__isnull=True),
                name="orgs_one_active_grant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.role} @ {self.node}"
