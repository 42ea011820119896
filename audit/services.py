from django.db import transaction

from .models import AuditEntry


@transaction.atomic
def audit_record(*, user, action, obj, before, after):
    """Record a staff change. Called by the admin, inside the transaction of the change, so an
    entry exists exactly when the change does; operators' commands do not come through here."""
    return AuditEntry.objects.create(
        user=user, action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk),
        object_repr=str(obj)[:200], before=before, after=after,
    )
