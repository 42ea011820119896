from django.contrib import messages
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import holder_required
from core.forms import field_values
from core.paging import cursor_from_query, filters_query, first_page_redirect

from .forms import LoginForm, MailboxFilterForm, MailboxPasswordForm
from .selectors import mailbox_get_for_holder, mailbox_list_for_holder
from .services import MailboxActionNotAllowed, mailbox_can_change_password, mailbox_change_password
from .sessions import bind_session_to_mailbox


def login_view(request):
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user, backend="mailboxes.backends.MailboxBackend")
        bind_session_to_mailbox(request, form.user.login_mailbox)
        next_url = request.POST.get("next") or request.GET.get("next")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
            next_url = "dashboard"
        return redirect(next_url)
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")},
                  status=429 if form.client_locked else 200)


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
        if mailbox.pk == request.login_mailbox.pk:
            # The password just changed is the one this session was opened with: keep it.
            bind_session_to_mailbox(request, mailbox)
        messages.success(request, _("Password della casella %(address)s cambiata.") % {"address": mailbox.address})
        return redirect("mailbox_detail", mailbox_id=mailbox.pk)
    return render(request, "mailboxes/password.html", {"mailbox": mailbox, "form": form, "allowed": allowed})
