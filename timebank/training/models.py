"""Training: courses, their sessions, sign-ups with attendance, and the certificates completion issues."""
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from timebank.orgs.rules import RuleSet


class CourseKind(models.TextChoices):
    GENERAL = "general", _("General (volunteer spirit, service standards)")  # 通用培训
    PRACTICAL = "practical", _("Practical")  # 实践培训
    PROFESSIONAL = "professional", _("Professional skills")  # 专业技能


class Course(models.Model):
    """A course a node runs. Its `code` is what a service type's `required_certificate` names."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    node = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="courses",
                             verbose_name=_("organised by"))
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=16, choices=CourseKind.choices, default=CourseKind.GENERAL)
    description = models.TextField(_("description"), blank=True)
    valid_months = models.PositiveSmallIntegerField(_("certificate valid for (months, 0 = no expiry)"), default=24)
    is_active = models.BooleanField(_("offered"), default=True)
    created_by = models.ForeignKey("people.Person", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["bank", "kind", "code"]
        constraints = [models.UniqueConstraint(fields=["bank", "code"], name="training_course_code")]

    def __str__(self) -> str:
        return self.name


class Session(models.Model):
    """One sitting of a course: a time, a place and a capacity. `signed_up_count` is kept under
    the session's row lock and the database refuses it above the capacity."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("course"))
    node = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200)
    capacity = models.PositiveIntegerField(_("capacity"))
    signed_up_count = models.PositiveIntegerField(default=0)
    check_in_code = models.CharField(_("check-in code"), max_length=12)
    created_by = models.ForeignKey("people.Person", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(signed_up_count__lte=F("capacity")), name="training_session_not_overbooked"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="training_session_capacity_positive"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="training_session_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.course} @ {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.signed_up_count)


class SignupStatus(models.TextChoices):
    SIGNED_UP = "signed_up", pgettext_lazy("status", "Signed up")
    ATTENDED = "attended", _("Attended")
    CANCELLED = "cancelled", _("Cancelled")


class Signup(models.Model):
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="signups")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="training_signups",
                               verbose_name=_("volunteer"))
    status = models.CharField(_("status"), max_length=12, choices=SignupStatus.choices, default=SignupStatus.SIGNED_UP)
    signed_up_at = models.DateTimeField(default=timezone.now)
    attended_at = models.DateTimeField(_("attended at"), null=True, blank=True)
    marked_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["session", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="training_one_signup_per_session")]

    def __str__(self) -> str:
        return f"{self.person} @ {self.session_id}"


class Certificate(models.Model):
    """Proof that a person completed a course; in force until `expires_at` (none: for good) unless revoked."""

    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="certificates")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("course"))
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    issued_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "session"], condition=Q(session__isnull=False),
                                    name="training_one_certificate_per_session"),
            models.CheckConstraint(condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("issued_at")),
                                   name="training_certificate_expires_after_issue"),
        ]
        indexes = [models.Index(fields=["person", "expires_at"], name="training_cert_person")]

    def __str__(self) -> str:
        return self.number

    def in_force(self, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > at)


class TrainingRules(RuleSet):
    """The bank's rules for training and certificates."""

    orientation_course_code = models.CharField(
        _("course required before a first claim (code)"), max_length=40, blank=True,
        help_text=_("The code of a training course; empty means no orientation is required."))
    certificate_reminder_days = models.PositiveIntegerField(_("remind volunteers before a certificate expires (days)"),
                                                            default=30)

    class Meta(RuleSet.Meta):
        pass
