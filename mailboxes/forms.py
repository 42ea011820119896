from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import check_password
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _

from core.ratelimit import CounterUnavailable

from .login_limit import CLIENT_LOCKED_MESSAGE, login_client_failure_record, login_client_refused
from .models import Mailbox
from .passwords import password_policy_errors, wrong_current_password_locked, wrong_current_password_record

PASSWORD_CHANGE_UNAVAILABLE = _(
    "Il cambio password non è disponibile in questo momento. Riprova tra qualche minuto."
)


class MailboxFilterForm(forms.Form):
    q = forms.CharField(label=_("Cerca indirizzo"), required=False, max_length=254)
    status = forms.ChoiceField(
        label=_("Stato"), required=False, choices=[("", _("Tutti gli stati")), *Mailbox.Status.choices]
    )


class MailboxPasswordForm(forms.Form):
    old_password = forms.CharField(label=_("Password attuale"), strip=False, max_length=128,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password1 = forms.CharField(label=_("Nuova password"), strip=False, max_length=128,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                    help_text=_("Da 8 a 64 caratteri, con almeno una lettera maiuscola, "
                                                "una minuscola, una cifra e un simbolo."))
    new_password2 = forms.CharField(label=_("Conferma nuova password"), strip=False, max_length=128,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, mailbox, *args, **kwargs):
        self.mailbox = mailbox
        super().__init__(*args, **kwargs)

    def clean_old_password(self):
        value = self.cleaned_data["old_password"]
        try:
            if wrong_current_password_locked(self.mailbox):
                raise forms.ValidationError(
                    _("Troppi tentativi con la password attuale errata. Riprova tra 15 minuti."), code="locked")
            if not self.mailbox.password_hash or not check_password(value, self.mailbox.password_hash):
                wrong_current_password_record(self.mailbox)
                raise forms.ValidationError(_("La password attuale non è corretta."), code="wrong_password")
        except CounterUnavailable:
            raise forms.ValidationError(PASSWORD_CHANGE_UNAVAILABLE, code="unavailable") from None
        return value

    def clean_new_password1(self):
        value = self.cleaned_data["new_password1"]
        errors = password_policy_errors(value, address=self.mailbox.address)
        if errors:
            raise forms.ValidationError(errors)
        return value

    def clean(self):
        cleaned = super().clean()
        old, new1, new2 = (cleaned.get(name) for name in ("old_password", "new_password1", "new_password2"))
        if new1 and new2 and new1 != new2:
            self.add_error("new_password2", _("Le due password non coincidono."))
        elif new1 and old and new1 == old:
            self.add_error("new_password1", _("La nuova password deve essere diversa da quella attuale."))
        return cleaned


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=254,
                               help_text=_("Nome casella completo (es. mario.rossi@pec.ording.roma.it)"))
    password = forms.CharField(label=_("Password"), max_length=128, strip=False, widget=forms.PasswordInput)

    error_messages = {"invalid_login": _("Indirizzo o password non corretti.")}

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username and password:
            if login_client_refused(self.request):
                raise forms.ValidationError(CLIENT_LOCKED_MESSAGE, code="client_locked")
            self.user = authenticate(self.request, username=username, password=password, holder_login=True)
            if self.user is None:
                login_client_failure_record(self.request)
                raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        return self.cleaned_data

    @property
    def client_locked(self):
        return self.has_error(NON_FIELD_ERRORS, "client_locked")
