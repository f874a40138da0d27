from django.urls import path

from . import views

app_name = "stats"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("report.pdf", views.report_pdf, name="report_pdf"),
]
