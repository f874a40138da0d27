"""Django admin for staff emergencies: read-only views of demands and assignments
(every change goes through the services, which authorise, lock and audit)."""
from django.contrib import admin

from timebank.orgs.admin import ReadOnlyAdmin

from .models import Assignment, Demand, DemandSeries, ServiceType


@admin.register(ServiceType)
class ServiceTypeAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "bank", "category", "mode", "rate_percent", "is_active"]
    list_filter = ["category", "mode", "is_active"]


@admin.register(Demand)
class DemandAdmin(ReadOnlyAdmin):
    list_display = ["id", "service_type", "station", "starts_at", "status", "headcount", "claimed_count", "payer"]
    list_filter = ["status", "payer"]
    raw_id_fields = ["elder", "created_by"]


@admin.register(DemandSeries)
class DemandSeriesAdmin(ReadOnlyAdmin):
    list_display = ["id", "service_type", "station", "weekday", "start_time", "until", "cancelled_at"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["id", "demand", "volunteer", "status", "served_minutes", "credited_minutes", "rating"]
    list_filter = ["status"]
