"""Roster import pages."""
from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("template-<str:kind>.<str:file_format>", views.import_template, name="template"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/progress/", views.import_progress, name="progress"),
    path("<int:pk>/commit/", views.import_commit, name="commit"),
    path("<int:pk>/rejected.<str:file_format>", views.import_rejected, name="rejected"),
]
