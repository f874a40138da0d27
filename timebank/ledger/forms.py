"""Forms of the ledger pages. They check shape only (a whole, positive amount; a key); the
services decide who may move what."""
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from timebank.lib.text import TextField

from .services import MAX_AMOUNT


def new_key() -> str:
    return uuid.uuid4().hex


class AmountForm(forms.Form):
    """An amount of time as hours and minutes (either may be left empty); `minutes_total` after
    cleaning. The hidden key makes a double click or a resubmit post once."""

    hours = forms.IntegerField(label=_("Hours"), required=False, min_value=0, max_value=MAX_AMOUNT // 60,
                               widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}))
    minutes = forms.IntegerField(label=_("Minutes"), required=False, min_value=0, max_value=MAX_AMOUNT,
                                 widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}))
    key = TextField(widget=forms.HiddenInput, max_length=32, min_length=32)

    amount_required = True

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("key", new_key())
        super().__init__(*args, **kwargs)

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        try:
            return uuid.UUID(hex=key).hex
        except ValueError:
            raise forms.ValidationError(_("This form has expired. Please start again.")) from None

    def clean(self):
        data = super().clean()
        hours, minutes = data.get("hours") or 0, data.get("minutes") or 0
        if "hours" in self.errors or "minutes" in self.errors:
            return data
        total = hours * 60 + minutes
        field = "hours" if "hours" in self.fields else "minutes"
        if total <= 0 and self.amount_required:
            self.add_error(field, _("Enter how many hours or minutes, more than zero."))
        if total > MAX_AMOUNT:
            self.add_error(field, _("This amount is too large."))
        data["minutes_total"] = total
        return data


class GiftForm(AmountForm):
    recipient = forms.TypedChoiceField(label=_("Who gets the coins"), coerce=int, required=False,
                                       widget=forms.RadioSelect)
    mobile = TextField(label=_("Or the recipient's mobile number"), max_length=20, required=False,
                             widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    memo = TextField(label=_("Note (optional)"), max_length=100, required=False)
    field_order = ["recipient", "mobile", "hours", "minutes", "memo"]

    def __init__(self, *args, relatives=(), any_member: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].choices = [(p.pk, p.name) for p in relatives]
        if not any_member:
            del self.fields["mobile"]
            self.fields["recipient"].required = True
            self.fields["recipient"].label = _("Which relative gets the coins")
        elif not relatives:
            del self.fields["recipient"]
            self.fields["mobile"].label = _("The recipient's mobile number")
            self.fields["mobile"].required = True

    def clean(self):
        data = super().clean()
        if "recipient" in self.fields and "mobile" in self.fields:
            if not data.get("recipient") and not data.get("mobile"):
                self.add_error("recipient", _("Choose a relative or enter a mobile number."))
        return data


class DonationForm(AmountForm):
    memo = TextField(label=_("Note (optional)"), max_length=100, required=False)


class GrantForm(AmountForm):
    source = forms.ChoiceField(label=_("Where the coins come from"), widget=forms.RadioSelect, initial="pool",
                               choices=[("pool", _("The bank's donation pool")),
                                        ("issuance", _("New coins issued by the branch"))])
    reason = TextField(label=_("Reason (recorded in the audit log)"), max_length=200,
                             widget=forms.Textarea(attrs={"rows": 2}))
    field_order = ["hours", "minutes", "source", "reason"]


class CorrectionForm(AmountForm):
    reason = TextField(label=_("Reason (recorded with the correction)"), max_length=200,
                             widget=forms.Textarea(attrs={"rows": 2}))
    amount_required = False

    def __init__(self, *args, points: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if points:
            del self.fields["hours"]
            self.fields["minutes"].label = _("Points")
            self.fields["minutes"].help_text = _("Leave empty to reverse all that remains.")
        else:
            self.fields["hours"].help_text = _("Leave hours and minutes empty to reverse all that remains.")
