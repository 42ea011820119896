import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connections, router, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, Delegate, Holder, HolderCounts, Operation, User
from .second_factor import totp_device_confirm, totp_device_pending, totp_device_start
from .selectors import api_key_hash, holder_counts_mismatches, token_digest


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


class DelegateRefused(Exception):
    """An invitation or change that cannot be made; the message is for the holder."""


INVITATION_VALIDITY = timedelta(days=7)


class InvitationState:
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


def invitation_state(delegate, *, now=None):
    if delegate.revoked_at is not None:
        return InvitationState.REVOKED
    if delegate.accepted_at is not None:
        return InvitationState.USED
    if (now or timezone.now()) >= delegate.token_expires_at:
        return InvitationState.EXPIRED
    return InvitationState.VALID


def _users_log(holder_id, description):
    operation_log(holder_id=holder_id, kind=Operation.Kind.USERS, description=description[:300])


@transaction.atomic
def delegate_invite(*, holder, email, role, now=None):
    """Invite ``email`` with ``role``, or invite again a pending invitation of the same holder (new
    link, the old one stops working). Returns (delegate, token): the token goes only into the e-mail,
    the row keeps its SHA-256. Raises DelegateRefused when the address is already a user."""
    now = now or timezone.now()
    email = email.strip().lower()
    existing = Delegate.objects.select_for_update().filter(email__iexact=email, revoked_at__isnull=True).first()
    if existing is not None and (existing.holder_id != holder.pk or existing.accepted_at is not None):
        raise DelegateRefused(_("Questo indirizzo è già un utente dell'Area Clienti: per cambiarne il ruolo "
                                "usa la tabella qui sotto, oppure invita un altro indirizzo."))
    token = secrets.token_urlsafe(32)
    fields = {"role": role, "token_hash": token_digest(token), "invited_at": now,
              "token_expires_at": now + INVITATION_VALIDITY}
    if existing is not None:
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save(update_fields=list(fields))
        delegate = existing
    else:
        user = User(username=f"delegate-{uuid.uuid4().hex}", email=email, is_active=False)
        user.set_unusable_password()
        user.save()
        delegate = Delegate.objects.create(holder=holder, user=user, email=email, **fields)
    _users_log(holder.pk, f"Invitato {email} con ruolo {role}")
    transaction.on_commit(lambda: invitation_message(delegate=delegate, token=token).send())
    return delegate, token


def invitation_message(*, delegate, token):
    holder = delegate.holder
    with translation.override(holder.language or settings.LANGUAGE_CODE):
        context = {"holder": holder, "delegate": delegate, "role": delegate.get_role_display(),
                   "expires_at": delegate.token_expires_at,
                   "link": settings.PORTAL_BASE_URL.rstrip("/") + reverse("invitation", args=[token])}
        subject = " ".join(render_to_string("accounts/email/invitation_subject.txt", context).split())
        body = render_to_string("accounts/email/invitation.txt", context)
    return EmailMessage(subject=subject, body=body, to=[delegate.email])


@transaction.atomic
def delegate_role_set(*, delegate_id, holder_id, role):
    """The role applies from the user's next request: it is read on each one."""
    delegate = Delegate.objects.select_for_update().get(pk=delegate_id, holder_id=holder_id)
    if delegate.revoked_at is not None:
        raise DelegateRefused(_("Questo utente è stato revocato."))
    if delegate.role == role:
        return delegate
    before = delegate.role
    delegate.role = role
    delegate.save(update_fields=["role"])
    _users_log(holder_id, f"Ruolo di {delegate.email}: da {before} a {role}")
    return delegate


@transaction.atomic
def delegate_revoke(*, delegate_id, holder_id, now=None):
    """Ends the user's access and every session of theirs at the next request; revoking twice
    changes nothing. The row stays: the operations name the e-mail."""
    delegate = Delegate.objects.select_for_update().select_related("user").get(pk=delegate_id, holder_id=holder_id)
    if delegate.revoked_at is not None:
        return delegate
    delegate.revoked_at = now or timezone.now()
    delegate.session_version += 1
    delegate.save(update_fields=["revoked_at", "session_version"])
    delegate.user.is_active = False
    delegate.user.save(update_fields=["is_active"])
    _users_log(holder_id, f"Revocato l'accesso di {delegate.email}")
    return delegate


def invitation_password_set(*, delegate, password):
    """First step of accepting: the password (the account stays inactive) and a TOTP device to enrol."""
    delegate.user.set_password(password)
    delegate.user.save(update_fields=["password"])
    return totp_device_start(delegate.user)


@transaction.atomic
def invitation_accept(*, delegate_id, code, now=None):
    """Second step: the first code of the enrolled device activates the user and uses the link up.
    Returns the delegate, or None when the code is wrong; raises DelegateRefused when the link
    stopped being valid meanwhile (another tab, revoked, expired)."""
    delegate = Delegate.objects.select_for_update().select_related("user", "holder").get(pk=delegate_id)
    if invitation_state(delegate, now=now) != InvitationState.VALID:
        raise DelegateRefused(_("Questo invito non è più valido."))
    device = totp_device_pending(delegate.user)
    if device is None or not totp_device_confirm(device, code):
        return None
    delegate.accepted_at = now or timezone.now()
    delegate.save(update_fields=["accepted_at"])
    delegate.user.is_active = True
    delegate.user.save(update_fields=["is_active"])
    _users_log(delegate.holder_id, f"Attivato l'accesso di {delegate.email}")
    return delegate
