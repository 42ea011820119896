from django import forms
from django.utils.translation import gettext_lazy as _


class AddonQuoteForm(forms.Form):
    """Parses the choice the quote endpoint is asked about. Whether the holder may buy it is
    order_quote's to say, so the type is free text here and an unknown or unsuitable code, or a
    quantity that is not a whole number, gets the service's own message."""

    addon_type = forms.CharField(max_length=50)
    # IntegerField reads only what int() reads (not "²", not 5,000 digits): anything else is invalid.
    quantity = forms.IntegerField(error_messages={"invalid": _("La quantità deve essere un numero intero.")})

    def choice(self):
        """(type code, quantity) as order_quote takes them: None for what could not be read."""
        self.is_valid()
        return self.cleaned_data.get("addon_type"), self.cleaned_data.get("quantity")


class AddonOrderForm(AddonQuoteForm):
    """Parses what the order page posts, for the page to show back with its errors; the page writes
    the fields out itself (templates/addons/order_new.html)."""

    quoted_gross_cents = forms.IntegerField(required=False, min_value=0)
    order_key = forms.UUIDField()


class BulkOrderForm(AddonQuoteForm):
    """What the bulk order page posts besides the selection (mailboxes.selectors.mailbox_selection):
    the choice, and with ``confirm=1`` the order's key and the total the holder saw."""

    quoted_gross_cents = forms.IntegerField(required=False, min_value=0)
    order_key = forms.UUIDField(required=False)
