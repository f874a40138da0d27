"""A person's in-app inbox, which is also the outbox of the short messages (SMS) the worker sends."""
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Parts of the week a volunteer can serve: one vocabulary, kept in lib (re-exported for this app's callers).
from timebank.lib.week_slots import DAY_PARTS, FREE_SLOTS, WEEKDAYS  # noqa: F401


class NoticeKind(models.TextChoices):
    CLAIMED = "claimed", _("A volunteer took the request")
    DISPATCHED = "dispatched", _("You were assigned a task")
    REMINDER = "reminder", _("Reminder: service tomorrow")
    CANCELLED = "cancelled", _("Cancelled")
    PLEASE_CONFIRM = "please_confirm", _("Please confirm the service")
    CREDITED = "credited", _("Hours credited")
    DISPUTED = "disputed", _("A service was disputed")
    REVIEW = "review", _("A request waits for review")
    UNCLAIMED = "unclaimed", _("A volunteer withdrew")
    CERTIFICATE_EXPIRING = "cert_expiring", _("A training certificate expires soon")
    HEALTH_ALERT = "health_alert", _("A health alert needs attention")
    LEDGER_ALERT = "ledger_alert", _("The nightly ledger check failed")
    BROADCAST = "broadcast", _("A message from your station")
    NEW_DEMAND = "new_demand", _("A new request you could take")


class SmsState(models.TextChoices):
    NONE = "none", _("No short message")
    PENDING = "pending", _("Short message waiting")
    SENDING = "sending", _("Short message being sent")
    SENT = "sent", _("Short message sent")
    FAILED = "failed", _("Short message failed")
    CAPPED = "capped", _("Not sent: daily limit of short messages reached")


class PushState(models.TextChoices):
    NONE = "none", _("No push message")
    PENDING = "pending", _("Push message waiting")
    SENDING = "sending", _("Push message being sent")
    SENT = "sent", _("Push message sent")
    FAILED = "failed", _("Push message failed")


class Notice(models.Model):
    """One message in a person's inbox, written in the same transaction as the change it tells of.
    The title is drawn from `kind` in the reader's language; `subject_*` name what it is about and
    `link`/`label` let the inbox point there without knowing the apps above."""

    bank = models.ForeignKey("orgs.Node", null=True, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    subject_type = models.CharField(max_length=30, blank=True)
    subject_id = models.BigIntegerField(null=True, blank=True)
    link = models.CharField(max_length=200, blank=True)
    label = models.CharField(max_length=120, blank=True)
    text = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    sms = models.CharField(max_length=10, choices=SmsState.choices, default=SmsState.NONE)
    sms_text = models.CharField(max_length=300, blank=True)
    sms_sent_at = models.DateTimeField(null=True, blank=True)
    sms_attempts = models.PositiveSmallIntegerField(default=0)
    # While `sending`: when a worker took it. The gateway's id of the message, or its last refusal.
    sms_claimed_at = models.DateTimeField(null=True, blank=True)
    sms_provider_id = models.CharField(max_length=64, blank=True)
    sms_error = models.CharField(max_length=100, blank=True)
    # A push message to the person's installed phones (Web Push), when they have any.
    push = models.CharField(max_length=10, choices=PushState.choices, default=PushState.NONE)
    # While `sending`: when a worker took it (a worker killed mid-send leaves it to be re-queued).
    push_claimed_at = models.DateTimeField(null=True, blank=True)
    push_attempts = models.PositiveSmallIntegerField(default=0)
    # When a clerk's call settled it (told them, or found no number to call): off the call list.
    called_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["person", "read_at"], name="notices_inbox"),
            models.Index(fields=["id"], condition=Q(sms="pending"), name="notices_sms_pending"),
            models.Index(fields=["sms_claimed_at"], condition=Q(sms="sending"), name="notices_sms_sending"),
            models.Index(fields=["id"], condition=Q(push="pending"), name="notices_push_pending"),
            models.Index(fields=["push_claimed_at"], condition=Q(push="sending"), name="notices_push_sending"),
            models.Index(fields=["person", "sms_sent_at"], condition=Q(sms="sent"), name="notices_sms_sent_today"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind}"


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("Reached and told")
    NO_ANSWER = "no_answer", _("No answer, call again")
    WRONG_NUMBER = "wrong_number", _("No number that works")


class NoticeCall(models.Model):
    """A clerk's phone call to tell someone a notice they cannot read or get by short message."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="calls")
    called_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=14, choices=CallOutcome.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.outcome}"




class NoticePreference(models.Model):
    """What a volunteer wants to hear about new requests: whether at all, by short message too, how far
    from their station, which kinds of service, and when they are free (empty: any). Without a row the
    defaults hold (told, in the inbox only, within 3 km, any kind, any time)."""

    person = models.OneToOneField("people.Person", on_delete=models.PROTECT, related_name="notice_preference")
    new_demands = models.BooleanField(_("tell me about new requests I could take"), default=True)
    new_demands_by_sms = models.BooleanField(_("also by short message"), default=False)
    max_km = models.PositiveSmallIntegerField(_("at most this far from my station (km)"), default=3)
    service_codes = models.JSONField(_("kinds of service"), default=list, blank=True)
    free_slots = models.JSONField(_("when I am free"), default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(max_km__gte=1) & Q(max_km__lte=50),
                                              name="notices_preference_max_km_range")]

    def __str__(self) -> str:
        return f"{self.person_id} new_demands={self.new_demands}"


class PushSubscription(models.Model):
    """A browser (a member's phone with the site installed) that asked for push messages: where the
    push service takes them and the keys they are encrypted to (Web Push, RFC 8291)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=500, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.person_id} {self.endpoint[:40]}"
