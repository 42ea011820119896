from django import forms
from django.utils.translation import gettext_lazy as _


class CreditNoteForm(forms.Form):
    reason = forms.CharField(label=_("Motivo della nota di credito"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
