"""Which mailbox a holder's session was opened with, and the proof that its password has not
changed since: changing a mailbox password signs out the other sessions opened with it."""

import time
from dataclasses import dataclass

from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.selectors import active_user_with_holder, delegate_user_get

from .selectors import login_mailbox_get

SESSION_MAILBOX_ID = "login_mailbox_id"
SESSION_MAILBOX_HASH = "login_mailbox_hash"


def mailbox_session_hash(mailbox):
    return salted_hmac("accounts.mailbox-session", mailbox.password_hash, algorithm="sha256").hexdigest()


def bind_session_to_mailbox(request, mailbox):
    request.session[SESSION_MAILBOX_ID] = mailbox.pk
    request.session[SESSION_MAILBOX_HASH] = mailbox_session_hash(mailbox)


# A login whose password was right, waiting for its second factor: who, with which mailbox (none
# for a delegated user), where to go next. Kept for PENDING_LOGIN_SECONDS and
# PENDING_LOGIN_ATTEMPTS wrong codes, then the password is asked again.
SESSION_PENDING_LOGIN = "pending_login"
PENDING_LOGIN_SECONDS = 300
PENDING_LOGIN_ATTEMPTS = 5


@dataclass(frozen=True)
class PendingLogin:
    user_id: int
    mailbox_id: int | None
    mailbox_proof: str
    username: str
    next_url: str
    started: float
    failures: int


def pending_login_start(request, *, user, mailbox, username, next_url):
    request.session.cycle_key()
    request.session[SESSION_PENDING_LOGIN] = {
        "user_id": user.pk, "mailbox_id": mailbox.pk if mailbox else None,
        "mailbox_proof": mailbox_session_hash(mailbox) if mailbox else "", "username": username,
        "next_url": next_url, "started": time.time(), "failures": 0,
    }


def pending_login_get(request):
    stored = request.session.get(SESSION_PENDING_LOGIN)
    if not stored:
        return None
    pending = PendingLogin(**stored)
    if time.time() - pending.started > PENDING_LOGIN_SECONDS:
        pending_login_end(request)
        return None
    return pending


def pending_login_failure(request):
    """Counts a wrong code; None once they are too many (the pending login is over)."""
    stored = request.session[SESSION_PENDING_LOGIN]
    stored["failures"] += 1
    if stored["failures"] >= PENDING_LOGIN_ATTEMPTS:
        pending_login_end(request)
        return None
    request.session.modified = True
    return stored["failures"]


def pending_login_end(request):
    request.session.pop(SESSION_PENDING_LOGIN, None)


def pending_login_user(pending):
    """The user and mailbox of the pending login, read again: (None, None) if meanwhile the user was
    revoked or deactivated, or the mailbox's password changed or the mailbox ceased."""
    if pending.mailbox_id is None:
        return delegate_user_get(pending.user_id), None
    mailbox = login_mailbox_get(mailbox_id=pending.mailbox_id, user_id=pending.user_id)
    if mailbox is None or not constant_time_compare(pending.mailbox_proof, mailbox_session_hash(mailbox)):
        return None, None
    return active_user_with_holder(pending.user_id), mailbox
