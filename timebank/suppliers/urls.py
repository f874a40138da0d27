from django.urls import path

from . import views

app_name = "suppliers"
urlpatterns = [
    path("", views.supplier_list, name="list"),
    path("new/", views.supplier_new, name="new"),
    path("admission/", views.admission_queue, name="admission"),
    path("apply/", views.apply, name="apply"),
    path("apply/thanks/", views.apply_thanks, name="apply_thanks"),
    path("ranking/", views.ranking, name="ranking"),
    path("<int:supplier_id>/", views.supplier_detail, name="detail"),
    path("<int:supplier_id>/score/", views.supplier_score, name="score"),
    path("<int:supplier_id>/settlement/", views.settlement, name="settlement"),
    path("<int:supplier_id>/book/", views.order_book, name="book"),
    path("inbox/", views.inbox, name="inbox"),
    path("orders/", views.my_orders, name="my_orders"),
    path("orders/<int:order_id>/confirm/", views.order_confirm, name="confirm"),
    path("orders/<int:order_id>/<str:action>/", views.order_action, name="order_action"),
    path("guarantee/<int:offer_id>/take/", views.guarantee_take, name="guarantee_take"),
    path("meetings/", views.meetings, name="meetings"),
    path("rules/", views.rules, name="rules"),
]
