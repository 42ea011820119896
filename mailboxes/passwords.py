"""The mailbox password rule of SPEC 3.2, kept apart so the form and any future caller agree."""

from django.utils.translation import gettext_lazy as _

from core.ratelimit import failure_record, failures
from mailboxes.sessions import mailbox_session_hash

MIN_LENGTH = 8
MAX_LENGTH = 64


def password_policy_errors(password, *, address):
    """The Italian messages for every way ``password`` breaks the rule; empty when it is fine."""
    errors = []
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        errors.append(_("La password deve avere da 8 a 64 caratteri."))
    if not any(ch.isupper() for ch in password):
        errors.append(_("Serve almeno una lettera maiuscola."))
    if not any(ch.islower() for ch in password):
        errors.append(_("Serve almeno una lettera minuscola."))
    if not any(ch.isdigit() for ch in password):
        errors.append(_("Serve almeno una cifra."))
    if not any(not ch.isalnum() and not ch.isspace() for ch in password):
        errors.append(_("Serve almeno un simbolo (per esempio ! ? - _ #)."))
    if password.casefold() == address.casefold():
        errors.append(_("La password non può essere uguale all'indirizzo della casella."))
    return errors


# Guessing the current password through the change form is as bad as guessing it at login,
# so it gets the login's limit (SPEC 3.1): 5 wrong attempts lock the form for 15 minutes.
# Nothing else guards this form, so while the cache that counts is down the form refuses
# (core.ratelimit.CounterUnavailable reaches the caller) rather than allow unlimited guesses.
WRONG_CURRENT_LIMIT = 5
WRONG_CURRENT_WINDOW_SECONDS = 15 * 60


def _wrong_current_key(mailbox):
    # Keyed on the stored hash too, so the count starts over whenever the password changes.
    return f"mailbox-password-wrong:{mailbox.pk}:{mailbox_session_hash(mailbox)[:16]}"


def wrong_current_password_locked(mailbox):
    return failures(_wrong_current_key(mailbox)) >= WRONG_CURRENT_LIMIT


def wrong_current_password_record(mailbox):
    failure_record(_wrong_current_key(mailbox), limit=WRONG_CURRENT_LIMIT, window_seconds=WRONG_CURRENT_WINDOW_SECONDS)
