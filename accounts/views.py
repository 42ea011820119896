from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from .decorators import holder_required
from .forms import ProfileForm
from .services import holder_language_set, holder_update


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
