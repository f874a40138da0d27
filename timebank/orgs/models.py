"""The organisation tree (platform → bank → branch → station), bank rules and staff role grants."""
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import Role
from .rules import RuleSet


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
    # Shown wherever a member page says "call your station" (a station without one shows its branch's).
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
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

    def contact_node(self) -> "Node | None":
        """This node if it has a phone, else the nearest unit above it that has one."""
        node = self
        while node is not None and not node.phone:
            node = node.parent
        return node

    def is_within(self, other: "Node") -> bool:
        return self.path.startswith(other.path)


class BankRules(RuleSet):
    """Who may join the bank (the membership part of its rules; each app keeps its own part, see
    `orgs/rules.py`). Rows are never edited: a change is a new row (and an audit event)."""

    volunteer_approval_required = models.BooleanField(
        _("volunteers need approval"), default=True,
        help_text=_("When on, station staff approve each volunteer who signs up."))
    volunteer_min_age = models.PositiveSmallIntegerField(_("minimum volunteer age"), default=18,
                                                         help_text=_("Younger volunteers need a guardian's consent."))
    elder_min_age = models.PositiveSmallIntegerField(
        _("minimum elder age"), default=60,
        help_text=_("The youngest age at which a person may be registered as an elder."))

    class Meta(RuleSet.Meta):
        pass


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
