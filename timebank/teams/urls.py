"""Team pages, mounted under /teams/."""
from django.urls import path

from . import views

app_name = "teams"
urlpatterns = [
    path("", views.team_list, name="list"),
    path("new/", views.team_new, name="new"),
    path("<int:pk>/", views.team_detail, name="detail"),
    path("<int:pk>/roster.pdf", views.team_roster, name="roster"),
    path("<int:pk>/join/", views.team_join, name="join"),
    path("<int:pk>/leave/", views.team_leave, name="leave"),
    path("<int:pk>/claim/", views.team_claim, name="claim"),
    path("<int:pk>/members/<int:person_pk>/decide/", views.member_decide, name="decide"),
    path("<int:pk>/members/<int:person_pk>/remove/", views.member_remove, name="remove"),
]
