from django.contrib import messages
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from .decorators import holder_required
from .forms import LoginForm, ProfileForm
from .services import holder_language_set, holder_update
from .sessions import bind_session_to_mailbox


def login_view(request):
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user, backend="accounts.backends.MailboxBackend")
        bind_session_to_mailbox(request, form.user.login_mailbox)
        next_url = request.POST.get("next") or request.GET.get("next")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
            next_url = "dashboard"
        return redirect(next_url)
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")})


@require_POST
def logout_view(request):
    logout(request)
    return redirect("login")


@holder_required
def profile_view(request):
    holder = request.holder
    form = ProfileForm(request.POST or None, instance=holder)
    if request.method == "POST" and form.is_valid():
        changed = holder_update(holder_id=holder.pk, fields={name: form.cleaned_data[name] for name in form.fields})
        messages.success(request, _("Dati aggiornati.") if changed else _("Nessuna modifica da salvare."))
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form, "holder": holder})


@require_POST
def language_view(request):
    response = set_language(request)
    if getattr(request, "login_mailbox", None) is not None:
        holder_language_set(holder_id=request.user.holder.pk, language=request.POST.get("language"))
    return response
