"""Ledger rows in Django admin: read-only (the database refuses edits anyway)."""
from django.contrib import admin

from timebank.orgs.admin import ReadOnlyAdmin

from .models import Account, ChainHead, CorrectionRequest, Seal, Transfer


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "currency", "owner", "node", "posted_debits", "posted_credits", "pending_debits")
    list_filter = ("kind", "currency")


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "status", "amount", "currency", "debit", "credit", "created_at")
    list_filter = ("kind", "status", "currency")


@admin.register(Seal)
class SealAdmin(ReadOnlyAdmin):
    list_display = ("bank", "seq", "transfer", "hash", "sealed_at")


admin.site.register(ChainHead, ReadOnlyAdmin)
admin.site.register(CorrectionRequest, ReadOnlyAdmin)
