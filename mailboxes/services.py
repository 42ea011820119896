from django.contrib.auth.hashers import make_password

from accounts.models import Operation
from accounts.services import operation_log

from .models import Mailbox


def normalize_address(value):
    return (value or "").strip().lower()


def mailbox_create(*, holder, address, plan, password="", password_hash="", **fields):
    return Mailbox.objects.create(
        holder=holder,
        address=normalize_address(address),
        plan=plan,
        password_hash=password_hash or (make_password(password) if password else ""),
        **fields,
    )


def mailbox_set_status(*, mailbox, status, on_date, description=""):
    """Every change of status is an operation in the holder's log (SPEC 3.2)."""
    if mailbox.status == status:
        return mailbox
    previous = mailbox.get_status_display()
    mailbox.status = status
    mailbox.status_changed_on = on_date
    if status == Mailbox.Status.TERMINATED and mailbox.cancelled_on is None:
        mailbox.cancelled_on = on_date
    mailbox.save(update_fields=["status", "status_changed_on", "cancelled_on"])
    operation_log(
        holder_id=mailbox.holder_id,
        kind=Operation.Kind.STATUS,
        mailbox_address=mailbox.address,
        description=description or f"Stato: {previous} → {mailbox.get_status_display()}",
    )
    return mailbox
