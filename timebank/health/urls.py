from django.urls import path

from . import views

app_name = "health"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("alerts/<int:alert_id>/contacts", views.alert_contacts, name="alert_contacts"),
    path("alerts/<int:alert_id>/<str:action>", views.alert_action, name="alert_action"),
    path("mine/", views.mine, name="mine"),
    path("cards/elders/", views.elder_search, name="elder_search"),
    path("elders/<int:person_id>/", views.elder_page, name="elder"),
    path("elders/<int:person_id>/summary.pdf", views.elder_pdf, name="elder_pdf"),
    path("elders/<int:person_id>/readings/new", views.reading_new, name="reading_new"),
    path("elders/<int:person_id>/thresholds", views.thresholds, name="elder_thresholds"),
    path("elders/<int:person_id>/consents", views.consents, name="consents"),
    path("thresholds/", views.thresholds, name="thresholds"),
    path("cards/", views.cards, name="cards"),
    path("devices/", views.devices, name="devices"),
]
