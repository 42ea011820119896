"""The reads behind every holder request."""

from .models import Holder, HolderCounts, User


def active_user_with_holder(user_id):
    """The active user with ``user_id`` and their holder (staff have none), or None.

    The holder's wallet and list counts come in the same query: the menu shows the balance on
    every page and the long lists show the counts. The wallet is named only as a relation here,
    so accounts imports nothing from billing."""
    return (
        User.objects.select_related("holder__wallet", "holder__counts")
        .filter(pk=user_id, is_active=True)
        .first()
    )


def holder_counts(holder):
    """How many mailboxes and operations the holder has: from the request's holder at no cost, or
    read."""
    if Holder.counts.is_cached(holder):
        return Holder.counts.related.get_cached_value(holder) or _no_counts(holder)
    return HolderCounts.objects.filter(holder_id=holder.pk).first() or _no_counts(holder)


def _no_counts(holder):
    # No counts row yet: the holder has never had a mailbox or an operation.
    return HolderCounts(holder_id=holder.pk, mailboxes=0, operations=0)
