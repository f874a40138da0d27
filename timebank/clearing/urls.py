from django.urls import path

from . import views

app_name = "clearing"

urlpatterns = [
    path("", views.index, name="index"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/statement/<int:bank_pk>.pdf", views.statement, name="statement"),
    path("gift/", views.gift, name="gift_mine"),
    path("gift/<int:pk>/", views.gift, name="gift"),
    path("gift/city/", views.city_gift, name="city_gift_mine"),
    path("gift/city/<int:pk>/", views.city_gift, name="city_gift"),
    path("move/<int:person_pk>/", views.move, name="move"),
    path("federation/", views.federation_index, name="federation"),
]
