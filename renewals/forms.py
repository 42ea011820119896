from django import forms


class BulkRenewalConfirmForm(forms.Form):
    """What the bulk quote page's confirm button posts besides the selection: the payment's key,
    so posting it twice pays once, and the total the holder saw."""

    renewal_key = forms.UUIDField()
    quoted_gross_cents = forms.IntegerField(min_value=0)
