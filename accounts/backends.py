from django.contrib.auth.backends import ModelBackend

from .models import User
from .selectors import delegate_user_for_login, delegate_user_get


class StaffBackend(ModelBackend):
    """Username login for staff only: a holder's user never has a usable password anyway."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if kwargs.pop("holder_login", False):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def user_can_authenticate(self, user):
        return user.is_staff and super().user_can_authenticate(user)


class DelegateBackend(ModelBackend):
    """A delegated user signs in on the holders' login page with their e-mail address and own
    password (the TOTP code is asked next, mailboxes.views.login_code_view). Only there: the admin
    login does not pass ``holder_login``."""

    def authenticate(self, request, username=None, password=None, holder_login=False, **kwargs):
        if not holder_login or not username or not password:
            return None
        user = delegate_user_for_login(username)
        if user is None:
            # As long as a wrong password, so the time does not tell which addresses are users.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def user_can_authenticate(self, user):
        return not user.is_staff and super().user_can_authenticate(user)

    def get_user(self, user_id):
        return delegate_user_get(user_id)
