"""The reads behind every holder request."""

import hashlib
import json
import re
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, connections, router
from django.db.models import F
from django.utils.crypto import constant_time_compare

from .models import ApiToken, Delegate, Holder, HolderCounts, User


def active_user_with_holder(user_id):
    """The active user with ``user_id`` and their holder (staff have none), or None, as
    ``select_related("holder__wallet", "holder__counts")`` would load them.

    The holder's wallet and list counts come in the same query: the menu shows the balance on
    every page and the long lists show the counts. The wallet's model is looked up by name, so
    accounts imports nothing from billing."""
    with connection.cursor() as cursor:
        cursor.execute(_ACTIVE_USER_WITH_HOLDER, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    user_row, holder_rows = _split(row, _USER_FIELDS)
    user = User.from_db(connection.alias, _USER_FIELDS, user_row)
    _keep_related(user, User.holder, _holder_from(holder_rows))
    return user


def _holder_from(rows):
    """The holder, with wallet and counts cached on it, from the columns _HOLDER_COLUMNS selects;
    None when the holder's are NULL (a LEFT JOIN that found none)."""
    holder_row, wallet_row, counts_row = _split(rows, _HOLDER_FIELDS, _WALLET_FIELDS)
    if holder_row[0] is None:
        return None
    # JSON arrives as text from both databases' cursors; the ORM would decode it so.
    holder = Holder.from_db(connection.alias, _HOLDER_FIELDS, (*holder_row[:-1], json.loads(holder_row[-1])))
    wallet_model = apps.get_model("billing", "Wallet")
    _keep_related(holder, Holder.wallet,
                  wallet_model.from_db(connection.alias, _WALLET_FIELDS, wallet_row) if wallet_row[0] is not None else None)
    _keep_related(holder, Holder.counts,
                  HolderCounts.from_db(connection.alias, _COUNTS_FIELDS, counts_row) if counts_row[0] is not None else None)
    return holder


# Every request of a signed-in user runs this, so it is written out: the ORM took 0.9 ms of CPU to
# build the same join and load it, a quarter of a dashboard's. Each model's columns are in its field
# order (Model.from_db takes them so). The dates are left out, deferred: no request reads them, and
# their values come differently from each database's cursor; whoever asks for one loads it.
_USER_COLUMNS = """
    u.id, u.password, u.is_superuser, u.username, u.first_name, u.last_name, u.email, u.is_staff,
    u.is_active"""
_HOLDER_COLUMNS = """
    h.id, h.user_id, h.first_name, h.last_name, h.fiscal_code, h.email, h.phone, h.street,
    h.postal_code, h.city, h.province, h.country, h.company_name, h.vat_number, h.sdi_code,
    h.invoice_pec, h.language, h.alert_emails,
    w.id, w.holder_id, w.balance_cents, w.debt_cents, w.spending_frozen,
    c.holder_id, c.mailboxes, c.operations, c.renewal_changes"""
_ACTIVE_USER_WITH_HOLDER = f"""
    SELECT {_USER_COLUMNS}, {_HOLDER_COLUMNS}
      FROM accounts_user u
      LEFT JOIN accounts_holder h ON h.user_id = u.id
      LEFT JOIN billing_wallet w ON w.holder_id = h.id
      LEFT JOIN accounts_holdercounts c ON c.holder_id = h.id
     WHERE u.id = %s AND u.is_active
"""
_USER_FIELDS = ("id", "password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff",
                "is_active")
_HOLDER_FIELDS = ("id", "user_id", "first_name", "last_name", "fiscal_code", "email", "phone", "street",
                  "postal_code", "city", "province", "country", "company_name", "vat_number", "sdi_code",
                  "invoice_pec", "language", "alert_emails")
_WALLET_FIELDS = ("id", "holder_id", "balance_cents", "debt_cents", "spending_frozen")
_COUNTS_FIELDS = ("holder_id", "mailboxes", "operations", "renewal_changes")


def _split(row, *leading):
    """``row`` cut into one part per tuple of field names in ``leading``, and the rest."""
    parts, start = [], 0
    for fields in leading:
        parts.append(row[start:start + len(fields)])
        start += len(fields)
    return [*parts, row[start:]]


def _keep_related(instance, reverse_one_to_one, related):
    """What select_related leaves behind: ``related`` (None when there is no row) cached on
    ``instance`` through the reverse one-to-one descriptor, and ``instance`` on ``related``."""
    reverse_one_to_one.related.set_cached_value(instance, related)
    if related is not None:
        reverse_one_to_one.related.field.set_cached_value(related, instance)


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


@dataclass(frozen=True)
class CountsMismatch:
    holder_id: int
    counted_mailboxes: int
    counted_operations: int
    mailboxes: int
    operations: int


# Every holder whose counts row (none reads as zeros) differs from COUNT(*) of its rows, the rows
# left by deleted holders included. Each table is read once, grouped, not once per holder.
_MISMATCHES = """
WITH actual AS (
  SELECT holder_id, sum(mailboxes) AS mailboxes, sum(operations) AS operations
  FROM (SELECT holder_id, count(*) AS mailboxes, 0 AS operations FROM mailboxes_mailbox GROUP BY holder_id
        UNION ALL
        SELECT holder_id, 0, count(*) FROM accounts_operation GROUP BY holder_id) per_table
  GROUP BY holder_id
)
SELECT coalesce(actual.holder_id, counted.holder_id),
       coalesce(counted.mailboxes, 0), coalesce(counted.operations, 0),
       coalesce(actual.mailboxes, 0), coalesce(actual.operations, 0)
FROM actual FULL JOIN accounts_holdercounts counted ON counted.holder_id = actual.holder_id
WHERE (coalesce(counted.mailboxes, 0), coalesce(counted.operations, 0))
      <> (coalesce(actual.mailboxes, 0), coalesce(actual.operations, 0))
ORDER BY 1
"""


def holder_counts_mismatches():
    """The holders whose kept counts are wrong, by holder id; empty where counts are not kept.
    Mailboxes are counted by table name: accounts sits below mailboxes and imports none of it."""
    if not holder_counts_kept():
        return []
    with connections[router.db_for_read(HolderCounts)].cursor() as cursor:
        cursor.execute(_MISMATCHES)
        return [CountsMismatch(*row) for row in cursor.fetchall()]


# pec_<prefix>_<secret>: the prefix finds the row, the hash of the whole key proves it.
API_KEY_PATTERN = re.compile(r"pec_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")


def api_key_hash(key):
    """SHA-256 is enough: the key is 256 random bits, not a password a dictionary could guess."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_for_key(key):
    """The live token ``key`` opens, with its holder, the holder's user and wallet loaded in the same
    query (the API's balance reads it at no cost); None for a malformed, unknown or revoked key, or
    a holder whose user is inactive. The hash is compared in constant time, so response times say
    nothing about how much of a guessed key was right."""
    match = API_KEY_PATTERN.fullmatch(key)
    if match is None:
        return None
    token = (ApiToken.objects.select_related("holder__user", "holder__wallet")
             .filter(prefix=match.group(1), revoked_at__isnull=True, holder__user__is_active=True).first())
    if token is None or not constant_time_compare(token.key_hash, api_key_hash(key)):
        return None
    return token


def api_tokens_for_holder(holder):
    """The holder's tokens for the profile page, newest first, revoked ones included."""
    return list(ApiToken.objects.filter(holder=holder).order_by("-created_at", "-id"))


def delegate_user_for_login(email):
    """The active (invitation accepted, not revoked) delegated user signing in as ``email``."""
    return (User.objects.select_related("delegate")
            .filter(delegate__email__iexact=email.strip(), delegate__revoked_at__isnull=True,
                    delegate__accepted_at__isnull=False, is_active=True)
            .first())


def delegate_user_get(user_id):
    """A delegated user's session user (active, not revoked) with their Delegate row, its holder
    and the holder's wallet and list counts, in one query written out as active_user_with_holder's
    is, or None. The delegate's dates but ``revoked_at`` (NULL here) are deferred likewise."""
    with connection.cursor() as cursor:
        cursor.execute(_ACTIVE_DELEGATE_USER, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    user_row, delegate_row, holder_rows = _split(row, _USER_FIELDS, _DELEGATE_FIELDS)
    user = User.from_db(connection.alias, _USER_FIELDS, user_row)
    delegate = Delegate.from_db(connection.alias, _DELEGATE_FIELDS, delegate_row)
    delegate.holder = _holder_from(holder_rows)
    _keep_related(user, User.delegate, delegate)
    return user


_ACTIVE_DELEGATE_USER = f"""
    SELECT {_USER_COLUMNS},
           d.id, d.holder_id, d.user_id, d.email, d.role, d.token_hash, d.revoked_at, d.session_version,
           {_HOLDER_COLUMNS}
      FROM accounts_user u
      JOIN accounts_delegate d ON d.user_id = u.id AND d.revoked_at IS NULL
      JOIN accounts_holder h ON h.id = d.holder_id
      LEFT JOIN billing_wallet w ON w.holder_id = h.id
      LEFT JOIN accounts_holdercounts c ON c.holder_id = h.id
     WHERE u.id = %s AND u.is_active
"""
_DELEGATE_FIELDS = ("id", "holder_id", "user_id", "email", "role", "token_hash", "revoked_at", "session_version")


def delegates_for_holder(holder):
    """The holder's users, current first, then the revoked ones, newest invitation first."""
    return list(Delegate.objects.filter(holder=holder).order_by(F("revoked_at").desc(nulls_first=True), "-invited_at"))


def invitation_by_token(token):
    return Delegate.objects.select_related("user", "holder").filter(token_hash=token_digest(token)).first()


def token_digest(token):
    return hashlib.sha256(token.encode()).hexdigest()
