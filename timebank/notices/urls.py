from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("calls/", views.call_list, name="calls"),
    path("calls.pdf", views.call_list_pdf_view, name="calls_pdf"),
    path("calls/<int:notice_id>/", views.call_record, name="call_record"),
    path("push/subscribe", views.push_subscribe, name="push_subscribe"),
]
