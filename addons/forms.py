import uuid

from django import forms
from django.utils.translation import gettext_lazy as _


class AddonOrderForm(forms.Form):
    """Parses what the page posts; whether the holder may buy it is order_quote's to say, so the
    type is free text here and an unknown or unsuitable code gets the service's own message."""

    addon_type = forms.CharField(label=_("Tipo Servizio"), max_length=50, widget=forms.Select)
    quantity = forms.IntegerField(label=_("Quantità"),
                                  error_messages={"invalid": _("La quantità deve essere un numero intero.")})
    quoted_gross_cents = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    order_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, addon_types, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("order_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.fields["addon_type"].widget.choices = [
            (t.code, f"{t.name} ({t.unit})") for t in addon_types
        ]
        if addon_types:
            self.fields["quantity"].initial = addon_types[0].min_quantity
