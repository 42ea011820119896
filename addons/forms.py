from django import forms
from django.utils.translation import gettext_lazy as _


class AddonOrderForm(forms.Form):
    """Parses what the order page posts, for the page to show back with its errors; the page writes
    the fields out itself (templates/addons/order_new.html). Whether the holder may buy it is
    order_quote's to say, so the type is free text here and an unknown or unsuitable code gets the
    service's own message."""

    addon_type = forms.CharField(max_length=50)
    quantity = forms.IntegerField(error_messages={"invalid": _("La quantità deve essere un numero intero.")})
    quoted_gross_cents = forms.IntegerField(required=False, min_value=0)
    order_key = forms.UUIDField()
