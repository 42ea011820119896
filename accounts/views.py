from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from .decorators import holder_required
from .forms import ApiTokenForm, ProfileForm
from .selectors import api_tokens_for_holder
from .services import api_token_create, api_token_revoke, holder_language_set, holder_update


@holder_required
def profile_view(request):
    holder = request.holder
    form = ProfileForm(request.POST or None, instance=holder)
    if request.method == "POST" and form.is_valid():
        changed = holder_update(holder_id=holder.pk, fields={name: form.cleaned_data[name] for name in form.fields})
        messages.success(request, _("Dati aggiornati.") if changed else _("Nessuna modifica da salvare."))
        return redirect("profile")
    return _profile_page(request, form=form)


def _profile_page(request, *, form=None, token_form=None, new_key=None):
    holder = request.holder
    return render(request, "accounts/profile.html", {
        "form": form or ProfileForm(instance=holder), "holder": holder,
        "api_tokens": api_tokens_for_holder(holder), "token_form": token_form or ApiTokenForm(), "new_key": new_key,
    })


@holder_required
@require_POST
def api_token_create_view(request):
    """The new key is in this response only: the page is rendered, not redirected to, and never
    cached, so the key is neither kept in the session nor shown again by a reload."""
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _profile_page(request, token_form=form)
    token, key = api_token_create(holder=request.holder, **form.cleaned_data)
    response = _profile_page(request, new_key={"token": token, "key": key})
    add_never_cache_headers(response)
    return response


@holder_required
@require_POST
def api_token_revoke_view(request, api_token_id):
    if not api_token_revoke(holder=request.holder, token_id=api_token_id):
        raise Http404
    messages.success(request, _("Token revocato: da ora le richieste con la sua chiave sono rifiutate."))
    return redirect("profile")


@require_POST
def language_view(request):
    response = set_language(request)
    if getattr(request, "login_mailbox", None) is not None:
        holder_language_set(holder_id=request.user.holder.pk, language=request.POST.get("language"))
    return response
