"""Django admin for health, for staff emergencies: read-only views of readings and alerts."""
from django.contrib import admin

from timebank.orgs.admin import ReadOnlyAdmin

from .models import Alert, Device, HealthCard, Reading


@admin.register(HealthCard)
class HealthCardAdmin(admin.ModelAdmin):
    list_display = ("uid", "elder", "status", "issued_at")
    list_filter = ("status",)
    search_fields = ("uid",)
    raw_id_fields = ("elder", "issued_by", "bank")


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("serial", "model", "station", "revoked_at")
    exclude = ("key_hash",)
    raw_id_fields = ("station", "bank", "created_by")


@admin.register(Reading)
class ReadingAdmin(ReadOnlyAdmin):
    list_display = ("elder", "kind", "level", "measured_at", "device", "manual")


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("elder", "rule", "severity", "status", "opened_at")
