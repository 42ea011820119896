from accounts.models import Operation
from accounts.services import operation_log
from mailboxes.provisioning import provisioner

from .models import Addon, AddonType

# Which Mailbox counter each kind of add-on adds its quantity to.
QUOTA_FIELD = {
    AddonType.Effect.INBOX: "inbox_extra_gb",
    AddonType.Effect.ARCHIVE: "archive_extra_gb",
    AddonType.Effect.CONSERVATION: "conservation_gb",
}


def mailbox_quota_change(*, mailbox, effect, delta_gb):
    """Move one quota counter and tell the mail platform the mailbox's new sizes."""
    field = QUOTA_FIELD[effect]
    setattr(mailbox, field, max(0, getattr(mailbox, field) + delta_gb))
    mailbox.save(update_fields=[field])
    provisioner().request(
        mailbox=mailbox,
        action="quota",
        inbox_gb=mailbox.plan.inbox_gb + mailbox.inbox_extra_gb,
        archive_gb=mailbox.plan.archive_gb + mailbox.archive_extra_gb,
        conservation_gb=mailbox.conservation_gb,
    )


def addon_deactivate(*, addon, on_date, description):
    """Switch an add-on off: quota reduced, mail platform told, holder's log written.
    Deactivating one already off changes nothing. Call inside the caller's transaction."""
    if addon.status != Addon.Status.ACTIVE:
        return addon
    addon.status = Addon.Status.DEACTIVATED
    addon.deactivated_on = on_date
    addon.save(update_fields=["status", "deactivated_on"])
    mailbox_quota_change(mailbox=addon.mailbox, effect=addon.addon_type.effect, delta_gb=-addon.quantity)
    operation_log(
        holder_id=addon.mailbox.holder_id,
        kind=Operation.Kind.DEACTIVATION,
        mailbox_address=addon.mailbox.address,
        description=description,
    )
    return addon
