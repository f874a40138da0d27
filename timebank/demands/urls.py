"""Demand pages: volunteer feed and tasks, elders' requests and confirmation, staff board,
calendar, publishing, dispatch, paper service, and the branch overview with disputes."""
from django.urls import path

from . import views

app_name = "demands"
urlpatterns = [
    path("", views.index, name="index"),
    path("feed/", views.feed, name="feed"),
    path("areas/", views.areas, name="areas"),
    path("alerts/", views.notice_preferences, name="notice_preferences"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:pk>/", views.task, name="task"),
    path("tasks/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("tasks/<int:pk>/check-out/", views.check_out, name="check_out"),
    path("tasks/<int:pk>/unclaim/", views.unclaim, name="unclaim"),
    path("history/", views.history, name="history"),
    path("requests/", views.requests, name="requests"),
    path("requests/new/", views.request_new, name="request_new"),
    path("services/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("services/<int:pk>/dispute/", views.dispute, name="dispute"),
    path("services/<int:pk>/resolve/", views.resolve, name="resolve"),
    path("board/", views.board, name="board"),
    path("new/", views.demand_new, name="new"),
    path("new/elders/", views.elder_search, name="elder_search"),
    path("calendar/", views.calendar, name="calendar"),
    path("day.pdf", views.day_sheet, name="day_sheet"),
    path("paper/", views.paper_day, name="paper_day"),
    path("scan/", views.scan, name="scan"),
    path("stations/<int:pk>/check-in-poster.pdf", views.checkin_poster, name="checkin_poster"),
    path("overview/", views.overview, name="overview"),
    path("series/<int:pk>/", views.series, name="series"),
    path("series/<int:pk>/cancel/", views.series_cancel, name="series_cancel"),
    path("types/", views.service_types, name="service_types"),
    path("types/new/", views.service_type_edit, name="service_type_new"),
    path("types/<slug:code>/", views.service_type_edit, name="service_type_edit"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/claim/", views.claim, name="claim"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/dispatch/", views.dispatch, name="dispatch"),
    path("<int:pk>/paper/", views.paper, name="paper"),
]
