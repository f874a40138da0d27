"""Forms of the training pages: shape only; the services decide who may do what."""
import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.lib.text import TextField

from .models import CourseKind


class CourseForm(forms.Form):
    node = forms.ModelChoiceField(label=_("Organised by"), queryset=None)
    code = forms.SlugField(label=_("Code"), max_length=40,
                           help_text=_("Letters, digits and dashes; service types name it to require the certificate."))
    name = TextField(label=_("Name"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=CourseKind.choices)
    valid_months = forms.IntegerField(label=_("Certificate valid for (months, 0 = no expiry)"), min_value=0,
                                      max_value=600, initial=24)
    description = TextField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, nodes, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes


class SessionForm(forms.Form):
    course = forms.ModelChoiceField(label=_("Course"), queryset=None)
    node = forms.ModelChoiceField(label=_("Held at"), queryset=None)
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time"}))
    place = TextField(label=_("Place"), max_length=200)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=10_000)

    def __init__(self, *args, courses, nodes, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses
        self.fields["node"].queryset = nodes

    def clean(self):
        data = super().clean()
        if data.get("day") and data.get("start") and data.get("end"):
            data["starts_at"] = timezone.make_aware(dt.datetime.combine(data["day"], data["start"]))
            data["ends_at"] = timezone.make_aware(dt.datetime.combine(data["day"], data["end"]))
        return data


class CheckInForm(forms.Form):
    code = TextField(label=_("Session code"), max_length=12,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
