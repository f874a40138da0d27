"""Honours pages, mounted under /honours/."""
from django.urls import path

from . import views

app_name = "honours"
urlpatterns = [
    path("record/", views.record, name="record"),
    path("record.<str:fmt>", views.record_download, name="record_download"),
    path("people/<int:person_pk>/record/", views.record, name="person_record"),
    path("people/<int:person_pk>/record.<str:fmt>", views.record_download, name="person_record_download"),
    path("people/<int:person_pk>/certificate/", views.certificate_issue, name="certificate_issue"),
    path("certificates/<str:number>.pdf", views.certificate_print, name="certificate_pdf"),
    path("verify/<str:token>/", views.certificate_verify, name="verify"),
    path("corrections/new/", views.correction_new, name="correction_new"),
    path("corrections/", views.corrections, name="corrections"),
    path("corrections/<int:pk>/decide/", views.correction_decide, name="correction_decide"),
]
