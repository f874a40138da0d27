"""Django admin for health, for staff emergencies: read-only views of readings and alerts."""
from django.contrib import admin

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


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reading)
class ReadingAdmin(ReadOnly):
    list_display = ("elder", "kind", "level", "measured_at", "device", "manual")


@admin.register(Alert)
class AlertAdmin(ReadOnly):
    list_display = ("elder", "rule", "severity", "status", "opened_at")
