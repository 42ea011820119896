from django.contrib.auth import logout
from django.utils.crypto import constant_time_compare

from .selectors import login_mailbox_get
from .sessions import SESSION_MAILBOX_HASH, SESSION_MAILBOX_ID, mailbox_session_hash


class LoginMailboxMiddleware:
    """Puts the mailbox a holder logged in with on ``request.login_mailbox``; ends the session
    when that mailbox's password changed elsewhere or the mailbox was terminated."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.login_mailbox = None
        mailbox_id = request.session.get(SESSION_MAILBOX_ID)
        if mailbox_id is not None and request.user.is_authenticated:
            mailbox = login_mailbox_get(mailbox_id=mailbox_id, user_id=request.user.pk)
            if mailbox and constant_time_compare(
                request.session.get(SESSION_MAILBOX_HASH, ""), mailbox_session_hash(mailbox)
            ):
                request.login_mailbox = mailbox
            else:
                logout(request)
        return self.get_response(request)
