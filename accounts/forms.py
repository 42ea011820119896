from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _


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
            self.user = authenticate(self.request, username=username, password=password, holder_login=True)
            if self.user is None:
                raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        return self.cleaned_data
