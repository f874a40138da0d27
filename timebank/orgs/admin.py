"""Django admin for staff emergencies: the tree, rules and grants are viewed here, changed through pages."""
from django.contrib import admin

from .models import BankRules, Node, RoleGrant


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows are written by services only; admin shows them for emergencies and never edits."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Node)
class NodeAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "path", "is_closed")
    list_filter = ("kind", "is_closed")
    search_fields = ("name", "code")


@admin.register(BankRules)
class BankRulesAdmin(ReadOnlyAdmin):
    list_display = ("bank", "effective_from", "created_by")


@admin.register(RoleGrant)
class RoleGrantAdmin(ReadOnlyAdmin):
    list_display = ("person", "role", "node", "granted_at", "revoked_at")
    list_filter = ("role",)
