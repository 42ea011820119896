from django.shortcuts import get_object_or_404

from .models import Mailbox


def mailbox_list_for_holder(*, holder, q="", status=""):
    """The holder's mailboxes for Lista caselle PEC: soonest expiry first, id to keep pages stable."""
    mailboxes = Mailbox.objects.filter(holder=holder).select_related("plan")
    if q:
        mailboxes = mailboxes.filter(address__contains=q.strip().lower())
    if status:
        mailboxes = mailboxes.filter(status=status)
    return mailboxes.only(
        "id", "address", "status", "expires_on", "holder_id", "plan__name"
    ).order_by("expires_on", "id")


def mailbox_get_for_holder(*, holder, mailbox_id):
    """One of the holder's mailboxes, or 404: another holder's id looks exactly like a missing one."""
    mailbox = get_object_or_404(Mailbox.objects.select_related("plan"), pk=mailbox_id, holder=holder)
    mailbox.holder = holder  # the caller's own instance: no join and no second copy of the holder
    return mailbox
