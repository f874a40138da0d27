"""The audit trail in Django admin: read-only, like everywhere else."""
from django.contrib import admin

from timebank.orgs.admin import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id", "ip")
    list_filter = ("action",)
    search_fields = ("object_id", "action")
