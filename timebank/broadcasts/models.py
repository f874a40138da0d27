"""A message staff send to a chosen group (the elders or volunteers of a node, a team's members,
holders of a certificate): what was sent, to how many, and by which way it reached them."""
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    ELDERS = "elders", _("All elders")
    VOLUNTEERS = "volunteers", _("All approved volunteers")
    TEAM = "team", _("The members of a service team")
    CERTIFICATE = "certificate", _("Volunteers holding a certificate")


class Broadcast(models.Model):
    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    node = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+", verbose_name=_("where"))
    audience = models.CharField(_("to whom"), max_length=12, choices=Audience.choices)
    team = models.ForeignKey("teams.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    course_code = models.CharField(max_length=40, blank=True)
    text = models.CharField(_("message"), max_length=300)
    by_sms = models.BooleanField(_("also by short message"), default=False)
    sent_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # The double click's guard: the form's one-time token.
    token = models.CharField(max_length=40)
    recipients = models.PositiveIntegerField(default=0)
    sms_count = models.PositiveIntegerField(default=0)
    inbox_only_count = models.PositiveIntegerField(default=0)
    call_list_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["bank", "token"], name="broadcasts_one_send_per_token")]

    def __str__(self) -> str:
        return f"{self.get_audience_display()} @ {self.node_id}: {self.text[:30]}"
