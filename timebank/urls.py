"""Top-level URL map: pages per app, the JSON API, health checks and metrics, admin and language switch."""
from django.contrib import admin
from django.urls import include, path, re_path

from timebank.api import api, unknown_path
from timebank.health_check import healthz
from timebank.notices import views as notices_views
from timebank.ops.views import metrics, readyz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("sw.js", notices_views.service_worker, name="service_worker"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    # The API's errors are JSON, for a path it does not know too (its root included: ninja's is an HTML 404).
    path("api/v1/", unknown_path),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/", unknown_path),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
    path("", include("timebank.people.urls")),
    path("orgs/", include("timebank.orgs.urls")),
    path("audit/", include("timebank.audit.urls")),
    path("ledger/", include("timebank.ledger.urls")),
    path("demands/", include("timebank.demands.urls")),
    path("health/", include("timebank.health.urls")),
    path("notices/", include("timebank.notices.urls")),
    path("broadcasts/", include("timebank.broadcasts.urls")),
    path("clearing/", include("timebank.clearing.urls")),
    path("teams/", include("timebank.teams.urls")),
    path("training/", include("timebank.training.urls")),
    path("honours/", include("timebank.honours.urls")),
    path("shop/", include("timebank.rewards.urls")),
    path("suppliers/complaints/", include("timebank.complaints.urls")),
    path("suppliers/", include("timebank.suppliers.urls")),
    path("stats/", include("timebank.stats.urls")),
    path("imports/", include("timebank.imports.urls")),
]
