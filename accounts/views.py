from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from .decorators import holder_required
from .forms import ApiTokenForm, DelegateInviteForm, DelegateRoleForm, OneTimeCodeForm, ProfileForm
from .models import Delegate, Role
from .roles import Permission, role_allows
from .second_factor import (
    mailbox_second_factor_confirm,
    mailbox_second_factor_disable,
    second_factor_enabled,
    second_factor_verify,
    totp_device_pending,
    totp_device_start,
    totp_enrolment,
)
from .selectors import api_tokens_for_holder, delegates_for_holder, invitation_by_token
from .services import (
    DelegateRefused,
    InvitationState,
    api_token_create,
    api_token_revoke,
    delegate_invite,
    delegate_revoke,
    delegate_role_set,
    holder_language_set,
    holder_update,
    invitation_accept,
    invitation_password_set,
    invitation_state,
)

SESSION_INVITATION = "invitation_delegate_id"


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
    context = {"form": form or ProfileForm(instance=holder), "holder": holder}
    if request.delegate is None or role_allows(request.delegate.role, Permission.BILLING):
        # API tokens are the holder's and the amministrazione role's, as the credit and orders are.
        context.update(api_tokens=api_tokens_for_holder(holder), token_form=token_form or ApiTokenForm(),
                       new_key=new_key)
    if request.delegate is None:
        # Users and the second factor are the holder's alone: a delegated user never sees them.
        context.update(delegates=delegates_for_holder(holder), invite_form=DelegateInviteForm(),
                       roles=Role.choices, second_factor_on=second_factor_enabled(request.user))
    return render(request, "accounts/profile.html", context)


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


@require_POST
@holder_required
def delegate_invite_view(request):
    form = DelegateInviteForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("profile")
    try:
        delegate, _token = delegate_invite(holder=request.holder, **form.cleaned_data)
    except DelegateRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Invito inviato a %(email)s: il link vale 7 giorni.") % {"email": delegate.email})
    return redirect("profile")


@require_POST
@holder_required
def delegate_role_view(request, delegate_id):
    delegate = get_object_or_404(Delegate, pk=delegate_id, holder=request.holder)
    form = DelegateRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Ruolo non valido."))
        return redirect("profile")
    try:
        delegate_role_set(delegate_id=delegate.pk, holder_id=request.holder.pk, role=form.cleaned_data["role"])
    except DelegateRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Ruolo di %(email)s aggiornato.") % {"email": delegate.email})
    return redirect("profile")


@require_POST
@holder_required
def delegate_revoke_view(request, delegate_id):
    delegate = get_object_or_404(Delegate, pk=delegate_id, holder=request.holder)
    delegate_revoke(delegate_id=delegate.pk, holder_id=request.holder.pk)
    messages.success(request, _("Accesso di %(email)s revocato.") % {"email": delegate.email})
    return redirect("profile")


INVITATION_REFUSALS = {
    InvitationState.EXPIRED: _("Questo invito è scaduto: chiedi al titolare di inviarne uno nuovo."),
    InvitationState.USED: _("Questo invito è già stato usato: accedi con la tua e-mail e la tua password."),
    InvitationState.REVOKED: _("Questo invito è stato revocato dal titolare."),
}


def invitation_view(request, token):
    """The invited person's two steps: a password (Django's validators), then a TOTP device
    confirmed with its first code; only then is the account active and the link used up."""
    delegate = invitation_by_token(token)
    if delegate is None:
        return render(request, "accounts/invitation.html",
                      {"refusal": _("Questo link di invito non è valido.")}, status=404)
    state = invitation_state(delegate)
    if state != InvitationState.VALID:
        return render(request, "accounts/invitation.html", {"refusal": INVITATION_REFUSALS[state]}, status=410)
    device = totp_device_pending(delegate.user) if request.session.get(SESSION_INVITATION) == delegate.pk else None
    if device is None:
        form = SetPasswordForm(delegate.user, request.POST or None)
        if request.method == "POST" and form.is_valid():
            invitation_password_set(delegate=delegate, password=form.cleaned_data["new_password1"])
            request.session[SESSION_INVITATION] = delegate.pk
            return redirect("invitation", token=token)
        return render(request, "accounts/invitation.html", {"delegate": delegate, "password_form": form})
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accepted = invitation_accept(delegate_id=delegate.pk, code=form.cleaned_data["code"])
        except DelegateRefused as refusal:
            return render(request, "accounts/invitation.html", {"refusal": str(refusal)}, status=410)
        if accepted is not None:
            request.session.pop(SESSION_INVITATION, None)
            messages.success(request, _("Accesso attivato. Entra con la tua e-mail, la password e il codice "
                                        "dell'app di autenticazione."))
            return redirect("login")
        form.add_error("code", _("Codice non corretto: usa quello che l'app mostra ora."))
    return render(request, "accounts/invitation.html",
                  {"delegate": delegate, "code_form": form, "enrolment": totp_enrolment(device)})


@holder_required
def second_factor_view(request):
    """The holder's own second factor for logins with their mailboxes: start (a device to enrol),
    confirm (its first code; the recovery codes are shown in this answer only), disable (a current
    code or a recovery code)."""
    user = request.user
    action = request.POST.get("action") if request.method == "POST" else None
    form = OneTimeCodeForm(request.POST if action in ("confirm", "disable") else None)
    context = {"enabled": second_factor_enabled(user), "form": form}
    if action == "start" and not context["enabled"]:
        totp_device_start(user)
    elif action == "confirm" and form.is_valid():
        codes = mailbox_second_factor_confirm(user, form.cleaned_data["code"])
        if codes is not None:
            return render(request, "accounts/second_factor.html", {"enabled": True, "recovery_codes": codes})
        form.add_error("code", _("Codice non corretto: usa quello che l'app mostra ora."))
    elif action == "disable" and form.is_valid():
        if second_factor_verify(user, form.cleaned_data["code"]):
            mailbox_second_factor_disable(user)
            messages.success(request, _("Seconda credenziale disattivata."))
            return redirect("profile")
        form.add_error("code", _("Codice non corretto."))
    device = None if context["enabled"] else totp_device_pending(user)
    if device is not None:
        context["enrolment"] = totp_enrolment(device)
    return render(request, "accounts/second_factor.html", context)
