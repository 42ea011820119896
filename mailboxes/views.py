from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import holder_required
from accounts.forms import OneTimeCodeForm
from accounts.second_factor import second_factor_required, second_factor_verify
from accounts.sessions import bind_session_to_delegate
from core.forms import field_values
from core.paging import cursor_from_query, filters_query, first_page_redirect

from .forms import LoginForm, MailboxFilterForm, MailboxPasswordForm
from .login_limit import login_client_failure_record, login_client_refused
from .selectors import mailbox_get_for_holder, mailbox_list_for_holder
from .services import MailboxActionNotAllowed, mailbox_can_change_password, mailbox_change_password
from .sessions import (
    bind_session_to_mailbox,
    pending_login_end,
    pending_login_failure,
    pending_login_get,
    pending_login_start,
    pending_login_user,
)


def login_view(request):
    """The holder's mailbox address or a delegated user's e-mail, with its password; then, for a
    delegated user or a holder who turned the second factor on, the code (login_code_view)."""
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.user
        next_url = request.POST.get("next") or request.GET.get("next")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
            next_url = "dashboard"
        mailbox = getattr(user, "login_mailbox", None)
        if second_factor_required(user):
            pending_login_start(request, user=user, mailbox=mailbox, username=form.cleaned_data["username"],
                                next_url=next_url)
            return redirect("login_code")
        return _login_complete(request, user, mailbox, next_url)
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")},
                  status=429 if form.client_locked else 200)


def _login_complete(request, user, mailbox, next_url):
    if mailbox is not None:
        login(request, user, backend="mailboxes.backends.MailboxBackend")
        bind_session_to_mailbox(request, mailbox)
    else:
        login(request, user, backend="accounts.backends.DelegateBackend")
        bind_session_to_delegate(request, user.delegate)
    return redirect(next_url)


def login_code_view(request):
    """The second step of a login whose password was right. A wrong code counts as a failed login
    for axes (the lockout of that address from that client) and for the client's own limit; after
    PENDING_LOGIN_ATTEMPTS wrong codes the password must be given again."""
    pending = pending_login_get(request)
    if pending is None:
        return redirect("login")
    credentials = {"username": pending.username}
    if login_client_refused(request) or not AxesProxyHandler.is_allowed(request, credentials):
        pending_login_end(request)
        return render(request, "accounts/locked_out.html", status=429)
    user, mailbox = pending_login_user(pending)
    if user is None:
        pending_login_end(request)
        return redirect("login")
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if second_factor_verify(user, form.cleaned_data["code"]):
            pending_login_end(request)
            return _login_complete(request, user, mailbox, pending.next_url)
        login_client_failure_record(request)
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if pending_login_failure(request) is None:
            messages.error(request, _("Troppi codici errati: accedi di nuovo."))
            return redirect("login")
        form.add_error("code", _("Codice non corretto."))
    return render(request, "accounts/login_code.html",
                  {"form": form, "recovery_allowed": mailbox is not None})


@require_POST
def logout_view(request):
    logout(request)
    return redirect("login")


@holder_required
def mailbox_list(request):
    cursor = cursor_from_query(request.GET)
    if cursor is None:
        return first_page_redirect(request)
    filters = MailboxFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    page = mailbox_list_for_holder(holder=request.holder, cursor=cursor, **criteria)
    if page.cursor_lost:
        return first_page_redirect(request)
    search = {**field_values(filters, "q", ""), **field_values(filters, "status"),
              "status_choices": filters.fields["status"].choices}
    return render(request, "mailboxes/list.html",
                  {"search": search, "page": page, "query": filters_query(request.GET)})


@holder_required
def mailbox_password(request, mailbox_id):
    mailbox = mailbox_get_for_holder(holder=request.holder, mailbox_id=mailbox_id)
    allowed = mailbox_can_change_password(mailbox)
    form = MailboxPasswordForm(mailbox, request.POST or None)
    if request.method == "POST" and allowed and form.is_valid():
        try:
            mailbox = mailbox_change_password(mailbox=mailbox, new_password=form.cleaned_data["new_password1"])
        except MailboxActionNotAllowed as refusal:
            messages.error(request, str(refusal))
            return redirect("mailbox_detail", mailbox_id=mailbox.pk)
        if request.login_mailbox is not None and mailbox.pk == request.login_mailbox.pk:
            # The password just changed is the one this session was opened with: keep it.
            bind_session_to_mailbox(request, mailbox)
        messages.success(request, _("Password della casella %(address)s cambiata.") % {"address": mailbox.address})
        return redirect("mailbox_detail", mailbox_id=mailbox.pk)
    return render(request, "mailboxes/password.html", {"mailbox": mailbox, "form": form, "allowed": allowed})
