"""Pages that compose several apps."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.shortcuts import render

from accounts.decorators import holder_required
from billing.selectors import wallet_balance_cents


@holder_required
def dashboard(request):
    return render(request, "dashboard.html", {"balance_cents": wallet_balance_cents(holder_id=request.holder.pk)})


def healthz(request):
    checks = {}
    try:
        executor = MigrationExecutor(connection)
        checks["database"] = "ok"
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        checks["migrations"] = "ok" if not pending else f"{len(pending)} pending"
    except Exception as exc:  # a health check reports, it never raises
        checks["database"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
