"""People: one record per human (elder, volunteer, proxy, staff), their proxy links and API tokens."""
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    MOVED = "moved", _("Moved away")
    DECEASED = "deceased", _("Deceased")


class VolunteerStatus(models.TextChoices):
    NONE = "", _("Not a volunteer")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not approved")


class PersonManager(BaseUserManager):
    def create_user(self, mobile, password=None, **fields):
        person = self.model(mobile=mobile or None, **fields)
        if password:
            person.set_password(password)
        else:
            person.set_unusable_password()
        person.save(using=self._db)
        return person

    def create_superuser(self, mobile, password=None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(mobile, password, **fields)


class Person(AbstractBaseUser, PermissionsMixin):
    """A human. Signs in with their mobile number when they have one; elders often do not."""

    mobile = models.CharField(_("mobile"), max_length=11, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=50)
    name_initials = models.CharField(max_length=50, blank=True, db_index=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    # The resident ID: encrypted at rest, found by a keyed hash, shown masked (`id_tail` is its last 4).
    id_number_encrypted = models.TextField(blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True)
    id_tail = models.CharField(max_length=4, blank=True, db_index=True)
    id_masked = models.CharField(_("ID number"), max_length=18, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    bank = models.ForeignKey("orgs.Node", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    node = models.ForeignKey("orgs.Node", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="people", verbose_name=_("home station"))
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=50, blank=True)
    emergency_contact_phone = models.CharField(_("emergency contact phone"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=PersonStatus.choices, default=PersonStatus.ACTIVE)
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    consent_version = models.CharField(_("consent text version"), max_length=20, blank=True)
    is_elder = models.BooleanField(_("elder"), default=False)
    is_volunteer = models.BooleanField(_("volunteer"), default=False)
    volunteer_status = models.CharField(_("volunteer status"), max_length=16, choices=VolunteerStatus.choices,
                                        blank=True, default="")
    # When the person became an approved volunteer (registration, or the approval after it): the day
    # the statistics count them as a new provider.
    volunteer_since = models.DateTimeField(_("volunteer since"), null=True, blank=True)
    guardian_consent = models.BooleanField(_("guardian consent (under 18)"), default=False)
    # The volunteer's card (its QR code) or wristband (its NFC tag id): scanned at the station to check in.
    tag_id = models.CharField(_("card or wristband id"), max_length=32, blank=True)
    # What a volunteer says they can do (service codes of the bank's catalogue) and when they are usually
    # free (`mon_am` …, see lib.week_slots): stated at sign-up, kept up by staff, used for matching.
    skills = models.JSONField(_("can do"), default=list, blank=True)
    free_slots = models.JSONField(_("usually free"), default=list, blank=True)
    # The photo printed on the volunteer's card (re-encoded on upload; nothing but the pixels kept).
    photo = models.ImageField(_("photo"), upload_to="people/photos/%Y/%m/", blank=True)
    is_staff = models.BooleanField(default=False)  # may open Django admin, for emergencies only
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonManager()

    USERNAME_FIELD = "mobile"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(fields=["bank", "id_number_hash"], condition=~models.Q(id_number_hash=""),
                                    name="people_one_person_per_id_per_bank"),
            models.UniqueConstraint(fields=["bank", "tag_id"], condition=~models.Q(tag_id=""),
                                    name="people_one_person_per_tag_per_bank"),
        ]
        indexes = [models.Index(fields=["bank", "volunteer_status"], name="people_bank_vstatus")]

    def __str__(self) -> str:
        return self.name


class ProxyRelation(models.TextChoices):
    CHILD = "child", _("Son or daughter")
    SPOUSE = "spouse", _("Spouse")
    RELATIVE = "relative", _("Other relative")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    NEIGHBOUR = "neighbour", _("Neighbour or friend")


# Family: the relations a gift under the "relatives only" rule may follow, and the only ones a link may
# have between members of two banks of one platform (a daughter in Yangpu for her mother in Hongkou).
FAMILY_RELATIONS = (ProxyRelation.CHILD, ProxyRelation.SPOUSE, ProxyRelation.RELATIVE)


class ProxyLinkQuerySet(models.QuerySet):
    def active(self) -> "ProxyLinkQuerySet":
        """Links in force: confirmed and not revoked. Only these let a proxy act for the elder."""
        return self.filter(revoked_at__isnull=True, confirmed_at__isnull=False)

    def pending(self) -> "ProxyLinkQuerySet":
        """Links asked for and waiting for the elder's (or a second staff member's) confirmation."""
        return self.filter(revoked_at__isnull=True, confirmed_at__isnull=True)


class ProxyLink(models.Model):
    """`proxy` may act for `elder` (publish a need, confirm a service) once confirmed, until revoked.
    Staff ask for a link (`confirmed_at` empty); the elder or a second staff member confirms it. A row
    written directly (fixtures, generated data) is confirmed when written; `people.services.proxy_link`,
    the way in for people, writes it pending."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    proxy = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="proxy_for")
    elder = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="proxies")
    relation = models.CharField(_("relation"), max_length=20, choices=ProxyRelation.choices)
    created_by = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    confirmed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ProxyLinkQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proxy", "elder"], condition=models.Q(revoked_at__isnull=True),
                                    name="people_one_active_proxy_link"),
            models.CheckConstraint(condition=~models.Q(proxy=models.F("elder")), name="people_proxy_not_self"),
            # Four eyes: nobody confirms a link that makes them the proxy, and the staff member who asked
            # for a link is not the one who confirms it (the elder confirming their own request may).
            models.CheckConstraint(
                condition=models.Q(confirmed_by__isnull=True) | (
                    ~models.Q(confirmed_by=models.F("proxy"))
                    & (~models.Q(confirmed_by=models.F("created_by")) | models.Q(confirmed_by=models.F("elder")))),
                name="people_proxy_confirmed_by_another"),
        ]

    def __str__(self) -> str:
        return f"{self.proxy} → {self.elder}"

    @property
    def is_pending(self) -> bool:
        return self.revoked_at is None and self.confirmed_at is None


class ApiToken(models.Model):
    """A bearer token for integrators and the mobile client; only its SHA-256 is stored."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # A digest of the person's password hash when the token was made: any later password change, even one
    # made outside the services (`manage.py changepassword`), leaves the token dead.
    password_stamp = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
