"""The reads behind every holder request."""

from django.db import connections, router

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


def holder_counts_kept():
    """Whether the database keeps accounts.HolderCounts: PostgreSQL does, by the triggers of
    migration 0002. SQLite, the embedded demo's database, does not: its lists are short enough to
    count, and one dialect of trigger SQL is one to keep right."""
    return connections[router.db_for_read(HolderCounts)].vendor == "postgresql"


def holder_counts(holder):
    """How many mailboxes and operations the holder has, or None where they are not kept (the
    caller counts the rows): from the request's holder at no cost, or read."""
    if not holder_counts_kept():
        return None
    if Holder.counts.is_cached(holder):
        return Holder.counts.related.get_cached_value(holder) or _no_counts(holder)
    return HolderCounts.objects.filter(holder_id=holder.pk).first() or _no_counts(holder)


def _no_counts(holder):
    # No counts row yet: the holder has never had a mailbox or an operation.
    return HolderCounts(holder_id=holder.pk, mailboxes=0, operations=0)

