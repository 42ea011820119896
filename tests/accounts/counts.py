"""A holder's kept counts (accounts.HolderCounts) beside the real number of their rows."""

from accounts.models import HolderCounts, Operation
from mailboxes.models import Mailbox


def counted(holder):
    counts = HolderCounts.objects.filter(holder_id=holder.pk).first()
    return (counts.mailboxes, counts.operations) if counts else (0, 0)


def actual(holder):
    return Mailbox.objects.filter(holder=holder).count(), Operation.objects.filter(holder=holder).count()
