from django.urls import path

from . import views

# Mounted at /suppliers/complaints/, where these pages have always been.
app_name = "complaints"
urlpatterns = [
    path("", views.complaint_board, name="board"),
    path("new/", views.complaint_new, name="new"),
    path("mine/", views.my_complaints, name="mine"),
    path("<int:complaint_id>/", views.complaint_detail, name="detail"),
    path("photos/<int:photo_id>/", views.complaint_photo, name="photo"),
]
