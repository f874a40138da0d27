"""Django admin for staff emergencies: notices are read here, never changed."""
from django.contrib import admin

from timebank.orgs.admin import ReadOnlyAdmin

from .models import Notice


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["id", "person", "kind", "subject_type", "subject_id", "created_at", "read_at", "sms"]
    list_filter = ["kind", "sms"]
    raw_id_fields = ["person", "bank"]
