"""Forms of the clearing pages: shape only; the services decide."""
import datetime as dt
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.ledger.forms import AmountForm
from timebank.lib.text import TextField


class CrossBankGiftForm(AmountForm):
    mobile = TextField(label=_("Their mobile number"), max_length=20,
                       widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    memo = TextField(label=_("Note (optional)"), max_length=100, required=False)
    field_order = ["mobile", "hours", "minutes", "memo"]


class CityGiftForm(AmountForm):
    """送给其他城市的家人: the other city, and the recipient as registered there (mobile and full name)."""

    peer = forms.TypedChoiceField(label=_("Their city's time bank"), coerce=int)
    mobile = TextField(label=_("Their mobile number"), max_length=20,
                       widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    name = TextField(label=_("Their full name, as registered there"), max_length=50)
    memo = TextField(label=_("Note (optional)"), max_length=100, required=False)
    field_order = ["peer", "mobile", "name", "hours", "minutes", "memo"]

    def __init__(self, *args, peers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["peer"].choices = [(p.pk, p.name) for p in peers]


class MemberMoveForm(forms.Form):
    station = forms.TypedChoiceField(label=_("New service station"), coerce=int)
    reason = TextField(label=_("Reason"), max_length=200)
    token = TextField(widget=forms.HiddenInput, max_length=32)

    def __init__(self, *args, stations=(), **kwargs):
        kwargs.setdefault("initial", {}).setdefault("token", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.fields["station"].choices = [(s.pk, f"{s.bank.name} · {s.parent.name} · {s.name}") for s in stations]


class NettingForm(forms.Form):
    business_day = forms.DateField(label=_("Day to settle"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("business_day", timezone.localdate() - dt.timedelta(days=1))
        super().__init__(*args, **kwargs)


class ReconcileForm(forms.Form):
    peer = forms.TypedChoiceField(label=_("Partner platform"), coerce=int)

    def __init__(self, *args, peers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["peer"].choices = [(p.pk, p.name) for p in peers]
