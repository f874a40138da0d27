"""Training pages, mounted under /training/."""
from django.urls import path

from . import views

app_name = "training"
urlpatterns = [
    path("", views.courses, name="courses"),
    path("courses/new/", views.course_new, name="course_new"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/signup/", views.session_signup, name="signup"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="cancel"),
    path("sessions/<int:pk>/check-in/", views.session_check_in, name="check_in"),
    path("sessions/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("sessions/<int:pk>/attendance.pdf", views.attendance_sheet, name="attendance_sheet"),
    path("certificates/", views.certificates, name="certificates"),
    path("people/<int:person_pk>/certificates/", views.certificates, name="person_certificates"),
]
