"""Django admin for staff emergencies: roster imports, read-only (every change goes through the services)."""
from django.contrib import admin

from timebank.orgs.admin import ReadOnlyAdmin

from .models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ("id", "file_name", "kind", "node", "status", "total_rows", "create_count", "reject_count",
                    "created_count", "created_at")
    list_filter = ("status", "kind")
