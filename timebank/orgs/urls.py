"""Pages of the org tree, role grants and bank rules."""
from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<int:pk>/", views.node_detail, name="node"),
    path("<int:pk>/rename/", views.node_rename, name="node_rename"),
    path("<int:pk>/add/", views.node_add, name="node_add"),
    path("<int:pk>/close/", views.node_close, name="node_close"),
    path("grants/", views.grants, name="grants"),
    path("grants/<int:pk>/revoke/", views.grant_revoke, name="grant_revoke"),
    path("rules/", views.rules, name="rules"),
]
