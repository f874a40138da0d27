"""Forms of the honours pages: shape only; the services decide who may do what."""
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.lib.text import TextField


class CertificateForm(forms.Form):
    person_in_charge = TextField(label=_("Person in charge of the issuing organisation"), max_length=50)
    contact = TextField(label=_("Contact (phone)"), max_length=50, required=False,
                              help_text=_("Leave empty to print your own mobile number."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _record_label(assignment) -> str:
    return (f"{timezone.localtime(assignment.starts_at):%Y-%m-%d} · {assignment.demand.service_type.name} · "
            f"{assignment.demand.station.name}")


class CorrectionForm(forms.Form):
    assignment = forms.ModelChoiceField(label=_("Which service (leave empty if it is missing)"), queryset=None,
                                        required=False)
    description = TextField(label=_("What is wrong"), max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, records, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["assignment"].queryset = records
        self.fields["assignment"].label_from_instance = _record_label


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "accept"), ("reject", "reject")])
    note = TextField(max_length=500, required=False)
