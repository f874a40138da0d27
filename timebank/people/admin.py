"""Django admin for people: read-only, numbers masked (full views go through the audited page)."""
from django.contrib import admin

from timebank.orgs.admin import ReadOnlyAdmin

from .models import ApiToken, Person, ProxyLink


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("name", "id_masked", "node", "status", "is_elder", "is_volunteer")
    list_filter = ("status", "is_elder", "is_volunteer")
    search_fields = ("name", "name_initials", "id_tail")
    exclude = ("password", "id_number_encrypted", "id_number_hash", "mobile")


@admin.register(ProxyLink)
class ProxyLinkAdmin(ReadOnlyAdmin):
    list_display = ("proxy", "elder", "relation", "created_at", "confirmed_at", "confirmed_by", "revoked_at")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("person", "name", "prefix", "created_at", "revoked_at")
    exclude = ("key_hash",)
