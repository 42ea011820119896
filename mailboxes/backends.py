from django.contrib.auth.hashers import check_password, make_password

from accounts.selectors import active_user_with_holder

from .models import Mailbox
from .services import normalize_address


def axes_username(request, credentials):
    return normalize_address((credentials or {}).get("username"))


# Spent on unknown addresses too, so timing does not tell which addresses exist.
_DUMMY_HASH = None


def _dummy_hash():
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = make_password("timing-equaliser")
    return _DUMMY_HASH


class MailboxBackend:
    """A holder signs in with one of their mailboxes' address and password (SPEC 3.1).
    The user returned carries the mailbox as ``login_mailbox`` for the session."""

    def authenticate(self, request, username=None, password=None, holder_login=False, **kwargs):
        address = normalize_address(username)
        if not address or not password:
            return None
        mailbox = (
            Mailbox.objects.select_related("holder__user")
            .filter(address=address)
            .exclude(status=Mailbox.Status.TERMINATED)
            .first()
        )
        if mailbox is None or not mailbox.password_hash:
            check_password(password, _dummy_hash())
            return None

        def upgrade(raw):
            mailbox.password_hash = make_password(raw)
            mailbox.save(update_fields=["password_hash"])

        if not check_password(password, mailbox.password_hash, setter=upgrade):
            return None
        user = mailbox.holder.user
        if not user.is_active:
            return None
        user.login_mailbox = mailbox
        return user

    def get_user(self, user_id):
        return active_user_with_holder(user_id)
