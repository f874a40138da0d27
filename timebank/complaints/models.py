"""Complaints about a supplier, a volunteer or a service record: the complaint, its photos and its
history of steps. The tables keep their first names (they began in the suppliers app)."""
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ComplaintSubject(models.TextChoices):
    SUPPLIER = "supplier", _("A supplier")
    VOLUNTEER = "volunteer", _("A volunteer")
    RECORD = "record", _("A service record")


class ComplaintCategory(models.TextChoices):
    QUALITY = "quality", _("Quality of service")
    ATTITUDE = "attitude", _("Attitude")
    LATE = "late", _("Late or did not come")
    PRICE = "price", _("Price or coins")
    SAFETY = "safety", _("Safety")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    SERIOUS = "serious", _("Serious")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    INVESTIGATING = "investigating", _("Investigating")
    RESOLVED = "resolved", _("Resolved")


OPEN_COMPLAINT = (ComplaintStatus.RECEIVED, ComplaintStatus.ACCEPTED, ComplaintStatus.INVESTIGATING)


class Complaint(models.Model):
    bank = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    node = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")  # where it happened
    owner_node = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")  # who handles it now
    owner = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    complainant = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="complaints_filed")
    filed_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(_("about"), max_length=10, choices=ComplaintSubject.choices)
    supplier = models.ForeignKey("suppliers.Supplier", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints")
    volunteer = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    assignment = models.ForeignKey("demands.Assignment", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    order = models.ForeignKey("suppliers.SupplierOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=10, choices=ComplaintCategory.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.MINOR)
    text = models.TextField(_("what happened"))
    status = models.CharField(_("status"), max_length=14, choices=ComplaintStatus.choices,
                              default=ComplaintStatus.RECEIVED)
    due_at = models.DateTimeField(_("due"))  # the deadline of the current step
    escalations = models.PositiveSmallIntegerField(default=0)
    reject_reason = models.CharField(max_length=300, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    upheld = models.BooleanField(null=True)
    # Outcomes besides the supplier's score, each done through the owning app's service.
    volunteer_suspended = models.BooleanField(default=False)
    correction = models.ForeignKey("ledger.CorrectionRequest", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "suppliers_complaint"
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"], name="suppliers_complaint_due")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_category_display()}"


class ComplaintPhoto(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="photos")
    image = models.ImageField(upload_to="complaints/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "suppliers_complaintphoto"

    def __str__(self) -> str:
        return self.image.name


# What each step's `action` code reads as on a page (the API keeps the codes).
STEP_ACTIONS = {"filed": _("filed"), "accepted": _("accepted"), "rejected": _("rejected"),
                "investigating": _("investigation started"), "resolved": _("decided"),
                "escalated": _("passed up: the time limit ran out")}


class ComplaintStep(models.Model):
    """The complaint's history: each step, escalation and decision."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="steps")
    action = models.CharField(max_length=20)
    to_status = models.CharField(max_length=14, choices=ComplaintStatus.choices)
    owner_node = models.ForeignKey("orgs.Node", on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "suppliers_complaintstep"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.action}"

    @property
    def action_label(self) -> str:
        return str(STEP_ACTIONS.get(self.action, self.get_to_status_display()))
