"""The health check a load balancer and the compose file poll."""

import redis
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse


def healthz(request):
    checks = {}
    try:
        executor = MigrationExecutor(connection)
        checks["database"] = "ok"
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        checks["migrations"] = "ok" if not pending else f"{len(pending)} pending"
    except Exception as exc:  # noqa: BLE001 — a health check reports, it never raises
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.REDIS_URL:
        checks["broker"] = _broker_check(settings.REDIS_URL)
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


def _broker_check(url):
    # Short timeouts: a load balancer polls this and must hear back well before its own timeout.
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # noqa: BLE001 — any failure means the broker is unusable
        return f"error: {exc.__class__.__name__}"
    return "ok"
