from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Operation
from core.money import parse_euro

from . import stripe_gateway
from .services import BillingError, topup_amount_check

TOPUP_PRESETS_EUROS = [10, 25, 50, 100]


class TopUpForm(forms.Form):
    amount = forms.CharField(
        label=_("Importo in euro"),
        max_length=12,
        help_text=_("Con la virgola o con il punto: 25 oppure 25,50."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    test_card = forms.ChoiceField(
        label=_("Carta di prova"),
        choices=[
            ("ok", _("Visa di prova (pagamento accettato)")),
            ("declined", _("Carta di prova rifiutata")),
            ("3ds", _("Carta di prova con 3-D Secure (serve JavaScript)")),
        ],
        initial="ok",
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, holder_id, test_mode, **kwargs):
        super().__init__(*args, **kwargs)
        self.holder_id = holder_id
        if not test_mode:
            del self.fields["test_card"]

    def clean_amount(self):
        try:
            cents = parse_euro(self.cleaned_data["amount"])
        except ValueError:
            raise forms.ValidationError(_("Inserisci un importo in euro, ad esempio 25 oppure 25,50.")) from None
        try:
            topup_amount_check(holder_id=self.holder_id, amount_cents=cents)
        except BillingError as exc:
            raise forms.ValidationError(exc.message) from None
        return cents

    def test_card_id(self):
        if "test_card" not in self.fields:
            return None
        return {
            "declined": stripe_gateway.TEST_CARD_DECLINED,
            "3ds": stripe_gateway.TEST_CARD_3DS,
        }.get(self.cleaned_data.get("test_card"), stripe_gateway.TEST_CARD_OK)


class OperationFilterForm(forms.Form):
    type = forms.ChoiceField(
        label=_("Tipo di operazione"), choices=[("", _("Tutte"))] + list(Operation.Kind.choices), required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


def parse_signed_euro(text):
    """'-3,50' -> -350: adjustments may debit; parse_euro reads the unsigned part."""
    text = (text or "").strip()
    sign = -1 if text.startswith("-") else 1
    return sign * parse_euro(text.removeprefix("-").removeprefix("+"))


class CreditAdjustForm(forms.Form):
    amount = forms.CharField(
        label=_("Importo in euro"), max_length=13,
        help_text=_("Positivo per accreditare, negativo per addebitare: 10,00 oppure -3,50."),
    )
    reason = forms.CharField(label=_("Motivo"), max_length=300)

    def clean_amount(self):
        try:
            cents = parse_signed_euro(self.cleaned_data["amount"])
        except ValueError:
            raise forms.ValidationError(_("Inserisci un importo in euro, ad esempio 10,00 oppure -3,50.")) from None
        if cents == 0:
            raise forms.ValidationError(_("L'importo della rettifica non può essere zero."))
        return cents
