"""`/healthz`: is the database reachable and fully migrated? JSON for load balancers and monitors."""
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse


def healthz(request):
    result = {"database": False, "migrations_applied": False}
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        result["database"] = True
        executor = MigrationExecutor(connection)
        result["migrations_applied"] = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # noqa: BLE001 - a health check reports every failure instead of raising
        result["error"] = exc.__class__.__name__
    ok = result["database"] and result["migrations_applied"]
    result["status"] = "ok" if ok else "error"
    return JsonResponse(result, status=200 if ok else 503)
