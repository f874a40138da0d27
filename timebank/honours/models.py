"""Volunteer service record certificates (志愿服务记录证明) as issued, and requests to correct a
wrong service record, decided by the organising node's staff (谁记录谁证明)."""
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.lib.thresholds import parse_ascending
from timebank.orgs.rules import RuleSet


class RecordCertificate(models.Model):
    """One issued certificate: what it said is kept, so its QR code can be checked years later."""

    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="record_certificates")
    issuer = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("issuing organisation"))
    person_in_charge = models.CharField(_("person in charge"), max_length=50, blank=True)
    handler = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("handler"))
    contact = models.CharField(_("contact"), max_length=50, blank=True)
    total_minutes = models.BigIntegerField(_("service minutes"))
    summary = models.JSONField(default=dict)  # {"years": {"2026": {"<type>": minutes}}}
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    ACCEPTED = "accepted", _("Corrected")
    REJECTED = "rejected", _("Not corrected")


class RecordCorrection(models.Model):
    """A volunteer says a record is wrong (missing, wrong time or type); the node that organised the
    service decides. Accepting records the decision; any coins are then corrected in the ledger."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    node = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("organising unit"))
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="record_corrections",
                               verbose_name=_("volunteer"))
    assignment = models.ForeignKey("demands.Assignment", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("service record"))
    description = models.TextField(_("what is wrong"))
    status = models.CharField(_("status"), max_length=12, choices=CorrectionStatus.choices,
                              default=CorrectionStatus.PENDING)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decision_note = models.CharField(_("decision"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.person}"


class HonourRules(RuleSet):
    """The bank's rules for star levels."""

    honour_thresholds_hours = models.CharField(
        _("star levels at these cumulative hours"), max_length=80, default="100,300,600,1000,1500",
        help_text=_("Whole hours, ascending, separated by commas (e.g. 100,300,600,1000,1500)."))

    class Meta(RuleSet.Meta):
        pass

    def clean(self):
        try:
            self.honour_thresholds_hours = ",".join(
                str(h) for h in parse_ascending(self.honour_thresholds_hours, default=(), strict=True))
        except ValueError:
            raise ValidationError({"honour_thresholds_hours": _(
                "Enter whole hours in ascending order, separated by commas.")}) from None
