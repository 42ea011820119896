from functools import wraps

from django.contrib.auth.views import redirect_to_login


def holder_required(view):
    """Holder pages: a signed-in holder session, opened with one of their mailboxes."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "login_mailbox", None) is None:
            return redirect_to_login(request.get_full_path())
        request.holder = request.user.holder
        return view(request, *args, **kwargs)

    return wrapper
