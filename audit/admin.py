from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read only for everyone, superusers included: an audit trail nobody can rewrite."""

    list_display = ["at", "user", "action", "object_type", "object_repr", "before", "after"]
    list_filter = ["action", "object_type"]
    list_select_related = ["user"]
    search_fields = ["object_repr", "object_id", "user__username"]
    date_hierarchy = "at"

