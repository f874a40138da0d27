"""Ledger pages, mounted under /ledger/."""
from django.urls import path

from . import views

app_name = "ledger"
urlpatterns = [
    path("", views.coins, name="mine"),
    path("people/<int:pk>/", views.coins, name="coins"),
    path("people/<int:pk>/passbook.pdf", views.passbook_print, name="pdf"),
    path("people/<int:pk>/gift/", views.gift, name="gift"),
    path("people/<int:pk>/donate/", views.donate, name="donate"),
    path("people/<int:pk>/grant/", views.grant, name="grant"),
    path("transfers/<int:pk>/correct/", views.correction_new, name="correct"),
    path("corrections/", views.corrections, name="corrections"),
    path("corrections/<int:pk>/decide/", views.correction_decide, name="correction_decide"),
    path("grants/<int:pk>/decide/", views.grant_decide, name="grant_decide"),
    path("liability/", views.liability, name="liability"),
    path("chain/", views.chain_heads, name="chain"),
    path("verify/<str:token>/", views.passbook_verify, name="verify"),
]
