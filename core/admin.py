"""Admin base classes shared by the apps."""

from django.contrib import admin


class ReadOnlyPermissions:
    """Staff may look, never add, change or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    """For records only services write (logs, ledgers, invoices): staff read them."""


class ReadOnlyInline(ReadOnlyPermissions, admin.TabularInline):
    """The lines of such a record, shown on its page."""

    extra = 0
    can_delete = False
