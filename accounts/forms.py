from django import forms
from django.utils.translation import gettext_lazy as _

from . import validators
from .models import ApiToken, Holder, Role


class ProfileForm(forms.ModelForm):
    """What the holder may change (SPEC 3.9). Name, surname and codice fiscale are not fields
    at all, so a forged POST carrying them is simply ignored."""

    # Wider than the columns, so a too-long entry gets the rule's own message, not a length one.
    postal_code = forms.CharField(label=_("CAP"), max_length=20,
                                  widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 5}))
    province = forms.CharField(label=_("Provincia"), max_length=20)
    vat_number = forms.CharField(label=_("Partita IVA"), max_length=20, required=False)
    sdi_code = forms.CharField(label=_("Codice destinatario"), max_length=20, required=False)
    alert_emails = forms.CharField(
        label=_("Altri destinatari degli avvisi"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta:
        model = Holder
        fields = [
            "email", "phone", "street", "postal_code", "city", "province", "country",
            "company_name", "vat_number", "sdi_code", "invoice_pec", "alert_emails",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Formatted here, in the request's language: a lazy string formatted at import would not be.
        self.fields["alert_emails"].help_text = _(
            "Fino a %(max)d indirizzi e-mail, uno per riga, che ricevono gli avvisi di scadenza e di "
            "disattivazione oltre all'e-mail di riferimento."
        ) % {"max": validators.ALERT_EMAILS_MAX}
        if not self.is_bound:
            self.initial["alert_emails"] = "\n".join(self.instance.alert_emails)
        # Every order is invoiced to this address, so it cannot be left empty.
        for name in ("street", "city"):
            self.fields[name].required = True

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        return validators.clean_phone(value) if value else ""

    def clean_postal_code(self):
        return validators.clean_postal_code(self.cleaned_data["postal_code"])

    def clean_province(self):
        return validators.clean_province(self.cleaned_data["province"])

    def clean_country(self):
        return validators.clean_country(self.cleaned_data["country"])

    def clean_vat_number(self):
        value = self.cleaned_data["vat_number"]
        return validators.clean_vat_number(value) if value else ""

    def clean_sdi_code(self):
        value = self.cleaned_data["sdi_code"]
        return validators.clean_sdi_code(value) if value else ""

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_invoice_pec(self):
        return self.cleaned_data["invoice_pec"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        if "alert_emails" in cleaned:
            try:
                cleaned["alert_emails"] = validators.clean_alert_emails(
                    cleaned["alert_emails"], reference_email=cleaned.get("email", ""))
            except forms.ValidationError as error:
                self.add_error("alert_emails", error)
        return cleaned


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Nome del token"), max_length=60,
                           help_text=_("Per riconoscerlo, ad esempio il sistema che lo usa."))
    scope = forms.ChoiceField(label=_("Permessi"), choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ)

    def clean_name(self):
        return self.cleaned_data["name"].strip()


class DelegateInviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail della persona"), max_length=254)
    role = forms.ChoiceField(label=_("Ruolo"), choices=Role.choices)

    def __init__(self, *args, **kwargs):
        # It shares the profile page with the holder's own e-mail field: ids must not collide.
        kwargs.setdefault("auto_id", "invite_%s")
        super().__init__(*args, **kwargs)


class DelegateRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Ruolo"), choices=Role.choices)


class OneTimeCodeForm(forms.Form):
    code = forms.CharField(label=_("Codice"), max_length=16, strip=True,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text",
                                                         "autofocus": True}))
