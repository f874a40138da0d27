"""Points-shop pages, mounted under /shop/."""
from django.urls import path

from . import views

app_name = "rewards"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("items/<int:pk>/order/", views.order, name="order"),
    path("orders/", views.my_orders, name="orders"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="cancel"),
    path("orders/<int:pk>/hand-over/", views.order_hand_over, name="hand_over"),
    path("manage/", views.items, name="items"),
    path("manage/new/", views.item_new, name="item_new"),
    path("manage/<int:pk>/", views.item_edit, name="item_edit"),
    path("pickup/", views.pickup, name="pickup"),
]
