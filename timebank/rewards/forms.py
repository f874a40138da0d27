"""Forms of the points-shop pages: shape only; the services decide who may do what."""
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from timebank.lib.text import TextField


class OrderForm(forms.Form):
    """Only the hidden key: a double click or a resubmit places one order."""

    key = TextField(widget=forms.HiddenInput, max_length=32, min_length=32)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)

    def clean_key(self) -> str:
        try:
            return uuid.UUID(hex=self.cleaned_data["key"]).hex
        except ValueError:
            raise forms.ValidationError(_("This form has expired. Please start again.")) from None


class ItemForm(forms.Form):
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=None)
    name = TextField(label=_("Name"), max_length=80)
    description = TextField(label=_("Description"), max_length=300, required=False)
    price_points = forms.IntegerField(label=_("Price (points)"), min_value=1, max_value=10**7)
    stock = forms.IntegerField(label=_("In stock"), min_value=0, max_value=10**6)
    is_active = forms.BooleanField(label=_("On offer"), required=False, initial=True)

    def __init__(self, *args, branches=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if branches is None:
            del self.fields["branch"]
        else:
            self.fields["branch"].queryset = branches
