"""Which mailbox a holder's session was opened with, and the proof that its password has not
changed since: changing a mailbox password signs out the other sessions opened with it."""

from django.utils.crypto import salted_hmac

SESSION_MAILBOX_ID = "login_mailbox_id"
SESSION_MAILBOX_HASH = "login_mailbox_hash"


def mailbox_session_hash(mailbox):
    return salted_hmac("accounts.mailbox-session", mailbox.password_hash, algorithm="sha256").hexdigest()


def bind_session_to_mailbox(request, mailbox):
    request.session[SESSION_MAILBOX_ID] = mailbox.pk
    request.session[SESSION_MAILBOX_HASH] = mailbox_session_hash(mailbox)
