"""The points shop (积分兑换): each branch's catalogue of goods and small services, and members'
orders, whose points are held in the ledger until staff hand the item over or cancel."""
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RewardItem(models.Model):
    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="reward_items",
                               verbose_name=_("branch"))
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True)
    price_points = models.PositiveIntegerField(_("price (points)"))
    stock = models.IntegerField(_("in stock"))
    is_active = models.BooleanField(_("on offer"), default=True)
    created_by = models.ForeignKey("people.Person", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["branch", "price_points", "id"]
        constraints = [
            # Stock is taken under the item's row lock; the database refuses it below zero anyway.
            models.CheckConstraint(condition=Q(stock__gte=0), name="rewards_stock_not_negative"),
            models.CheckConstraint(condition=Q(price_points__gte=1), name="rewards_price_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class OrderStatus(models.TextChoices):
    HELD = "held", _("Waiting for pick-up")
    HANDED_OVER = "handed_over", _("Handed over")
    CANCELLED = "cancelled", _("Cancelled")


class RewardOrder(models.Model):
    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(RewardItem, on_delete=models.PROTECT, related_name="orders", verbose_name=_("item"))
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="reward_orders",
                               verbose_name=_("member"))
    points = models.PositiveIntegerField(_("points"))
    status = models.CharField(_("status"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.HELD)
    hold = models.OneToOneField("ledger.Transfer", on_delete=models.PROTECT, related_name="+")
    posting = models.OneToOneField("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("ordered at"), default=timezone.now)
    created_by = models.ForeignKey("people.Person", null=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["branch", "status", "created_at"], name="rewards_pickup_list")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.item} → {self.person}"
