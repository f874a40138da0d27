"""Django admin for staff emergencies: read-only views (every change goes through the services,
which authorise, lock and audit)."""
from django.contrib import admin

from timebank.orgs.admin import ReadOnlyAdmin

from .models import Complaint


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ("id", "subject", "category", "status", "owner_node", "due_at")
    list_filter = ("status", "category")
