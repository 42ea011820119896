import secrets
from datetime import timedelta

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Q
from django.utils import timezone, translation

from .models import ApiToken, Holder, HolderCounts, Operation, User
from .selectors import api_key_hash, holder_counts_mismatches


def operation_log(*, holder_id, kind, description, mailbox_address="", amount_cents=None,
                  outcome=Operation.Outcome.COMPLETED, reference=None):
    return Operation.objects.create(
        holder_id=holder_id,
        kind=kind,
        description=description,
        mailbox_address=mailbox_address,
        amount_cents=amount_cents,
        outcome=outcome,
        reference=reference,
    )


def operation_settle(*, reference, outcome, description=None):
    """Move a pending operation to its final outcome; settling twice changes nothing."""
    updates = {"outcome": outcome}
    if description is not None:
        updates["description"] = description
    return Operation.objects.filter(reference=reference).update(**updates)


def holder_user_create(*, fiscal_code):
    """The user behind a holder: no usable password, never staff, so it can only be reached
    through one of the holder's mailboxes and never opens /admin/."""
    user = User(username=f"holder-{fiscal_code.upper()}", is_staff=False)
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def holder_create(*, fiscal_code, first_name, last_name, email, **fields):
    user = holder_user_create(fiscal_code=fiscal_code)
    return Holder.objects.create(
        user=user,
        fiscal_code=fiscal_code.upper(),
        first_name=first_name,
        last_name=last_name,
        email=email,
        **fields,
    )


@transaction.atomic
def holder_update(*, holder_id, fields, by_staff=None):
    """Apply the given field values and log which ones changed (names only: the log is shown to
    the holder and must never echo data). Returns the changed field names, empty if none.

    The row is read here, locked, rather than taken from the caller: a bound ModelForm has
    already written its values onto its instance, which would hide every change."""
    holder = Holder.objects.select_for_update().get(pk=holder_id)
    changed = [name for name, value in fields.items() if getattr(holder, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(holder, name, fields[name])
    holder.save(update_fields=changed)
    with translation.override("it"):  # the log is written once, in the portal's source language
        labels = ", ".join(str(Holder._meta.get_field(name).verbose_name) for name in changed)
    who = f" (staff: {by_staff.get_username()})" if by_staff is not None else ""
    operation_log(
        holder_id=holder.pk,
        kind=Operation.Kind.PROFILE,
        description=f"Dati modificati{who}: {labels}"[:300],
    )
    return changed


def holder_language_set(*, holder_id, language):
    """The language the holder chose with the switch is also the one of their e-mails."""
    if language in dict(settings.LANGUAGES):
        Holder.objects.filter(pk=holder_id).update(language=language)


def holder_counts_recount():
    """Rewrite every wrong accounts.HolderCounts row with COUNT(*) of the holder's rows and return
    the mismatches it fixed (none where counts are not kept).

    One transaction, holding a SHARE lock on the two counted tables from before the count to the
    commit: writers to them (whose triggers move the counts) wait, readers do not, so no row can
    slip in between the count and the write. Batches of holders would each need the same lock and
    the same scans, for a longer total wait, while one pass is short: with 10,000 holders,
    500,000 mailboxes and 500,000 operations the count takes ~0.2 s, fixing 5,000 rows ~0.5 s."""
    # A consistent read needs no lock (the triggers move the counts in the writers' own
    # transactions), and right counts are the usual case: writers wait only when there is a fix.
    if not holder_counts_mismatches():
        return []
    using = router.db_for_write(HolderCounts)
    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:
            cursor.execute("LOCK TABLE mailboxes_mailbox, accounts_operation IN SHARE MODE")
        mismatches = holder_counts_mismatches()
        HolderCounts.objects.using(using).bulk_create(
            [HolderCounts(holder_id=wrong.holder_id, mailboxes=wrong.mailboxes, operations=wrong.operations)
             for wrong in mismatches],
            update_conflicts=True, unique_fields=["holder"], update_fields=["mailboxes", "operations"],
        )
    return mismatches


# last_used_at is written at most this often per token: a write on every request would double the
# cost of a read and serialise a busy client's requests on one row.
API_TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def api_token_create(*, holder, name, scope):
    """A new token and its key, which exists only in this return value: the row keeps its hash."""
    prefix = secrets.token_hex(6)
    key = f"pec_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(holder=holder, name=name, scope=scope, prefix=prefix, key_hash=api_key_hash(key))
    return token, key


def api_token_revoke(*, holder, token_id):
    """Revokes one of the holder's own tokens from now on; False when ``token_id`` is not theirs or
    was already revoked."""
    return bool(ApiToken.objects.filter(pk=token_id, holder=holder, revoked_at__isnull=True)
                .update(revoked_at=timezone.now()))


def api_token_touch(token, *, now=None):
    """Records a use of ``token`` if the last one recorded is over API_TOKEN_TOUCH_INTERVAL old: one
    UPDATE a minute at most, and concurrent requests race harmlessly on its condition."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < API_TOKEN_TOUCH_INTERVAL:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - API_TOKEN_TOUCH_INTERVAL)).update(last_used_at=now)
    token.last_used_at = now
