"""Django admin for staff emergencies: read-only views (every change goes through the services,
which authorise, lock and audit)."""
from django.contrib import admin

from timebank.orgs.admin import ReadOnlyAdmin

from .models import GuaranteeOffer, SettlementLine, Supplier, SupplierOrder, SupplierScore


@admin.register(Supplier)
class SupplierAdmin(ReadOnlyAdmin):
    list_display = ("name", "credit_code", "status", "node")
    list_filter = ("status",)
    search_fields = ("name", "credit_code")


@admin.register(SupplierOrder)
class SupplierOrderAdmin(ReadOnlyAdmin):
    list_display = ("id", "supplier", "service_type", "starts_at", "payment", "status")
    list_filter = ("status", "payment")


@admin.register(SupplierScore)
class SupplierScoreAdmin(ReadOnlyAdmin):
    list_display = ("supplier", "year", "value")


@admin.register(GuaranteeOffer)
class GuaranteeOfferAdmin(ReadOnlyAdmin):
    list_display = ("demand", "supplier", "rank", "price_fen", "status")


@admin.register(SettlementLine)
class SettlementLineAdmin(ReadOnlyAdmin):
    list_display = ("supplier", "month", "amount_fen", "paid_at")
