from django.contrib.auth.backends import ModelBackend


class StaffBackend(ModelBackend):
    """Username login for staff only: a holder's user never has a usable password anyway."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if kwargs.pop("holder_login", False):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def user_can_authenticate(self, user):
        return user.is_staff and super().user_can_authenticate(user)
