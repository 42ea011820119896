"""The reads behind every holder request: the signed-in user with their holder (and the holder's wallet
for the menu's balance and counts for the long lists, in the same query), and the mailbox the
session was opened with. Hand-written SQL (pecportal.rowsql): built by the ORM they cost more CPU
than the rest of a small page's queries together."""

from functools import cache

from django.db import connections, router

from billing.models import Wallet
from mailboxes.models import Mailbox
from pecportal.rowsql import ModelColumns, fetch_one

from .models import Holder, HolderCounts, User

_USER = ModelColumns(User, "u")
_HOLDER = ModelColumns(Holder, "h")
_WALLET = ModelColumns(Wallet, "w")
_COUNTS = ModelColumns(HolderCounts, "t")
# What the login-mailbox check and the page header need; the rest is loaded by the pages that show it.
_LOGIN_MAILBOX = ModelColumns(Mailbox, "m", only={"id", "holder_id", "address", "password_hash", "status"})


@cache
def _user_sql(alias):
    c = connections[alias]
    return (f"SELECT {_USER.sql(c)}, {_HOLDER.sql(c)}, {_WALLET.sql(c)}, {_COUNTS.sql(c)} FROM {_USER.table(c)} "
            f"LEFT OUTER JOIN {_HOLDER.table(c)} ON {_HOLDER.column(c, 'user_id')} = {_USER.column(c, 'id')} "
            f"LEFT OUTER JOIN {_WALLET.table(c)} ON {_WALLET.column(c, 'holder_id')} = {_HOLDER.column(c, 'id')} "
            f"LEFT OUTER JOIN {_COUNTS.table(c)} ON {_COUNTS.column(c, 'holder_id')} = {_HOLDER.column(c, 'id')} "
            f"WHERE {_USER.column(c, 'id')} = %s AND {_USER.column(c, 'is_active')}")


def active_user_with_holder(user_id):
    """The active user with ``user_id`` and their holder already loaded (staff have none), or None:
    ``User.objects.select_related("holder__wallet", "holder__counts").filter(pk=user_id, is_active=True).first()``."""
    connection = connections[router.db_for_read(User)]
    row = fetch_one(connection, _user_sql(connection.alias), [user_id])
    if row is None:
        return None
    user = _USER.instance(connection, row)
    start = len(_USER.fields)
    holder = _HOLDER.instance(connection, row, start)
    # As select_related caches it: user.holder answers without a query, and raises for staff.
    User.holder.related.set_cached_value(user, holder)
    if holder is not None:
        Holder.user.field.set_cached_value(holder, user)
        start += len(_HOLDER.fields)
        Holder.wallet.related.set_cached_value(holder, _WALLET.instance(connection, row, start))
        start += len(_WALLET.fields)
        counts = _COUNTS.instance(connection, row, start) or _no_counts(holder)
        Holder.counts.related.set_cached_value(holder, counts)
    return user


def holder_wallet_reload(holder):
    """After the request moved money: the holder's wallet is read again when next used (the menu)."""
    if Holder.wallet.is_cached(holder):
        Holder.wallet.related.delete_cached_value(holder)


def holder_counts(holder):
    """How many mailboxes and operations the holder has: from the request's holder at no cost, or
    read."""
    if Holder.counts.is_cached(holder):
        return holder.counts
    return HolderCounts.objects.filter(holder_id=holder.pk).first() or _no_counts(holder)


def _no_counts(holder):
    # No counts row yet: the holder has never had a mailbox or an operation.
    return HolderCounts(holder_id=holder.pk, mailboxes=0, operations=0)


@cache
def _login_mailbox_sql(alias):
    c = connections[alias]
    return (f"SELECT {_LOGIN_MAILBOX.sql(c)} FROM {_LOGIN_MAILBOX.table(c)} "
            f"INNER JOIN {_HOLDER.table(c)} ON {_HOLDER.column(c, 'id')} = {_LOGIN_MAILBOX.column(c, 'holder_id')} "
            f"WHERE {_LOGIN_MAILBOX.column(c, 'id')} = %s AND {_HOLDER.column(c, 'user_id')} = %s "
            f"AND {_LOGIN_MAILBOX.column(c, 'status')} <> %s")


def login_mailbox_get(*, mailbox_id, user_id):
    """The session's login mailbox if it still belongs to the user's holder and is not terminated,
    else None. Only the fields the check and the header use are loaded."""
    connection = connections[router.db_for_read(Mailbox)]
    row = fetch_one(connection, _login_mailbox_sql(connection.alias),
                    [mailbox_id, user_id, Mailbox.Status.TERMINATED.value])
    return None if row is None else _LOGIN_MAILBOX.instance(connection, row)
