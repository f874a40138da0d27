"""Roster imports: a job per uploaded file (dry run, then commit) and what was decided for each row.
Resident ID numbers are kept only encrypted (with their lookup hash and masked form)."""
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    ELDERS = "elders", _("Elders")
    VOLUNTEERS = "volunteers", _("Volunteers")


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Being checked")
    DRY_RUN = "dry_run", _("Checked, not yet committed")
    COMMITTING = "committing", _("Being committed")
    COMMITTED = "committed", _("Committed")
    FAILED = "failed", _("Failed")


class RowOutcome(models.TextChoices):
    CREATE = "create", _("Will be registered")
    SKIP = "skip", _("Skipped")
    REJECT = "reject", _("Rejected")


class ImportJob(models.Model):
    """One uploaded roster. `node` is where it was imported (a station, or a branch or bank whose
    stations the rows name); counts and progress are kept here for the report and the progress bar."""

    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    node = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    committed_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    kind = models.CharField(_("roster of"), max_length=16, choices=ImportKind.choices)
    file_name = models.CharField(_("file"), max_length=200)
    file_format = models.CharField(max_length=8)
    encoding = models.CharField(max_length=16, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.CHECKING)
    total_rows = models.PositiveIntegerField(default=0)
    create_count = models.PositiveIntegerField(default=0)
    skip_count = models.PositiveIntegerField(default=0)
    reject_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["bank", "-created_at"], name="imports_job_bank_created")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)


class ImportUpload(models.Model):
    """The uploaded file, encrypted, only while a background dry run still has to read it."""

    job = models.OneToOneField(ImportJob, on_delete=models.CASCADE, primary_key=True, related_name="upload")
    content_encrypted = models.BinaryField()

    def __str__(self) -> str:
        return f"upload of {self.job_id}"


class ImportRow(models.Model):
    """One row of the file: its normalised values and what the dry run (or the commit) decided."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField(_("row"))
    outcome = models.CharField(_("outcome"), max_length=8, choices=RowOutcome.choices)
    reasons = models.JSONField(default=list, blank=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    id_number_encrypted = models.TextField(blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True)
    id_masked = models.CharField(_("ID number"), max_length=40, blank=True)
    gender = models.CharField(_("gender"), max_length=16, blank=True)
    birth_date = models.CharField(_("birth date"), max_length=32, blank=True)
    mobile = models.CharField(_("mobile"), max_length=32, blank=True)
    station = models.ForeignKey("orgs.Node", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    station_text = models.CharField(_("service station"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=50, blank=True)
    emergency_contact_phone = models.CharField(_("emergency contact phone"), max_length=32, blank=True)

    class Meta:
        ordering = ["job", "number"]
        indexes = [models.Index(fields=["job", "outcome", "number"], name="imports_row_job_outcome")]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.number}"
