"""Mailbox writes (SPEC 3.2).

Naming of the write functions, here and in addons.services and billing.services:
- ``<noun>_<verb>`` is a service: it makes a change and saves it at once (``mailbox_set_status``,
  ``mailbox_quota_change``, ``addon_deactivate``, ``wallet_post``).
- ``<noun>_<change>_apply`` is the in-memory half of one of those services, for the renewal night,
  which saves a whole batch together: it changes the instance only, saves nothing, and returns what
  the caller must write with it (an unsaved Operation, the mail platform's payload, an unsaved
  LedgerEntry): ``mailbox_status_apply``, ``mailbox_quota_apply``, ``addon_deactivate_apply``,
  ``wallet_debit_apply``.
- ``<noun>_write_many`` saves many instances prepared by ``_apply`` functions, one statement per
  table (``mailbox_write_many``, ``addon_write_many``, ``ledger_write_many``).
- ``<noun>_<field>_set`` sets one field to the value the caller gives and saves it
  (``mailbox_auto_renew_set``, ``holder_language_set``).
"""

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.hashers import django_hash_to_mail_platform
from accounts.models import Operation
from accounts.services import operation_log

from .models import Mailbox
from .provisioning import provisioner

# A terminated mailbox is gone; a requested one does not exist on the mail platform yet; a
# suspended one is frozen by staff, who lift the suspension first (README, "Mailbox passwords").
PASSWORD_CHANGE_STATUSES = (Mailbox.Status.CERTIFIED, Mailbox.Status.EXPIRED)


class MailboxActionNotAllowed(Exception):
    """The mailbox's status forbids the action; the message is shown to the person who asked."""


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


STATUS_FIELDS = ["status", "status_changed_on", "cancelled_on"]


def mailbox_status_apply(*, mailbox, status, on_date, description=""):
    """The new status on the instance, unsaved, and the unsaved Operation that logs it (SPEC 3.2);
    None when the status does not change. The renewal night saves many of these at once."""
    if mailbox.status == status:
        return None
    previous = mailbox.get_status_display()
    mailbox.status = status
    mailbox.status_changed_on = on_date
    if status == Mailbox.Status.TERMINATED and mailbox.cancelled_on is None:
        mailbox.cancelled_on = on_date
    return Operation(
        holder_id=mailbox.holder_id,
        kind=Operation.Kind.STATUS,
        mailbox_address=mailbox.address,
        description=description or f"Stato: {previous} → {mailbox.get_status_display()}",
    )


def mailbox_write_many(*, mailboxes):
    """Save the fields the renewal night changes (expiry, status, quotas) of locked mailboxes. On
    PostgreSQL one UPDATE from arrays: Django's bulk_update writes a CASE per column over every id,
    most of a 500-mailbox batch's time."""
    if not mailboxes:
        return
    if connection.vendor != "postgresql":
        Mailbox.objects.bulk_update(mailboxes, ["expires_on", *STATUS_FIELDS, "inbox_extra_gb", "archive_extra_gb",
                                                "conservation_gb"])
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE mailboxes_mailbox AS m SET expires_on = v.expires_on, status = v.status, "
            "status_changed_on = v.status_changed_on, cancelled_on = v.cancelled_on, "
            "inbox_extra_gb = v.inbox_extra_gb, archive_extra_gb = v.archive_extra_gb, "
            "conservation_gb = v.conservation_gb "
            "FROM unnest(%s::bigint[], %s::date[], %s::varchar[], %s::date[], %s::date[], %s::integer[], "
            "%s::integer[], %s::integer[]) "
            "AS v(id, expires_on, status, status_changed_on, cancelled_on, inbox_extra_gb, archive_extra_gb, "
            "conservation_gb) "
            "WHERE m.id = v.id",
            [[m.pk for m in mailboxes], [m.expires_on for m in mailboxes], [m.status for m in mailboxes],
             [m.status_changed_on for m in mailboxes], [m.cancelled_on for m in mailboxes],
             [m.inbox_extra_gb for m in mailboxes], [m.archive_extra_gb for m in mailboxes],
             [m.conservation_gb for m in mailboxes]],
        )


def mailbox_set_status(*, mailbox, status, on_date, description=""):
    """Every change of status is an operation in the holder's log (SPEC 3.2)."""
    operation = mailbox_status_apply(mailbox=mailbox, status=status, on_date=on_date, description=description)
    if operation is not None:
        mailbox.save(update_fields=STATUS_FIELDS)
        operation.save()
    return mailbox


def mailbox_can_change_password(mailbox):
    return mailbox.status in PASSWORD_CHANGE_STATUSES


@transaction.atomic
def mailbox_change_password(*, mailbox, new_password):
    """Store the new password, hand it to the mail platform as a hash, and log the change.

    Sessions opened with this mailbox end on their next request, because the session proof
    (mailboxes.sessions) derives from the hash written here; the caller re-binds its own."""
    mailbox = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
    if not mailbox_can_change_password(mailbox):
        raise MailboxActionNotAllowed(_("La password di una casella in questo stato non può essere cambiata."))
    mailbox.password_hash = make_password(new_password)
    mailbox.save(update_fields=["password_hash"])
    provisioner().request(
        mailbox=mailbox, action="password", password_hash=django_hash_to_mail_platform(mailbox.password_hash)
    )
    operation_log(
        holder_id=mailbox.holder_id,
        kind=Operation.Kind.PASSWORD,
        mailbox_address=mailbox.address,
        description="Cambio password della casella",
    )
    return mailbox


@transaction.atomic
def mailbox_suspend(*, mailbox, by_staff):
    mailbox = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
    if mailbox.status not in (Mailbox.Status.CERTIFIED, Mailbox.Status.EXPIRED, Mailbox.Status.REQUESTED):
        raise MailboxActionNotAllowed(_("Solo una casella attiva, scaduta o richiesta può essere sospesa."))
    mailbox_set_status(
        mailbox=mailbox, status=Mailbox.Status.SUSPENDED, on_date=timezone.localdate(),
        description=f"Casella sospesa dallo staff ({by_staff.get_username()})",
    )
    provisioner().request(mailbox=mailbox, action="suspend")
    return mailbox


@transaction.atomic
def mailbox_reactivate(*, mailbox, by_staff):
    """Lift a suspension. A mailbox whose expiry passed meanwhile comes back as scaduta, so the
    nightly renewal job picks it up instead of it living on unpaid."""
    mailbox = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
    if mailbox.status != Mailbox.Status.SUSPENDED:
        raise MailboxActionNotAllowed(_("Solo una casella sospesa può essere riattivata."))
    today = timezone.localdate()
    if mailbox.certified_on is None:
        status = Mailbox.Status.REQUESTED
    elif mailbox.expires_on < today:
        status = Mailbox.Status.EXPIRED
    else:
        status = Mailbox.Status.CERTIFIED
    mailbox_set_status(
        mailbox=mailbox, status=status, on_date=today,
        description=f"Casella riattivata dallo staff ({by_staff.get_username()})",
    )
    provisioner().request(mailbox=mailbox, action="reactivate")
    return mailbox


AUTO_RENEW_STATUSES = (Mailbox.Status.CERTIFIED, Mailbox.Status.EXPIRED)


@transaction.atomic
def mailbox_auto_renew_set_many(*, holder_id, mailbox_ids, enabled):
    """The auto-renew switch of many of the holder's mailboxes in one UPDATE, each change logged in
    Esito Operazioni (one insert). Only a certified or expired mailbox may be switched, as on the
    mailbox page, and one with a disdetta (cancelled_on) only off; one already as asked is left
    alone. Returns the addresses changed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE mailboxes_mailbox SET auto_renew = %s "
            "WHERE holder_id = %s AND id = ANY(%s) AND status = ANY(%s) AND auto_renew <> %s "
            "AND (NOT %s OR cancelled_on IS NULL) RETURNING address",
            [enabled, holder_id, list(mailbox_ids), list(AUTO_RENEW_STATUSES), enabled, enabled],
        )
        addresses = sorted(address for (address,) in cursor.fetchall())
    description = "Rinnovo automatico attivato" if enabled else "Rinnovo automatico disattivato"
    Operation.objects.bulk_create(
        Operation(holder_id=holder_id, kind=Operation.Kind.RENEWAL, mailbox_address=address, description=description)
        for address in addresses
    )
    return addresses
