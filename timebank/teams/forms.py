"""Forms of the team pages: shape only; the services decide who may do what."""
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.lib.text import TextField


def demand_label(demand) -> str:
    return f"{demand.service_type.name} · {demand.station.name} · {timezone.localtime(demand.starts_at):%Y-%m-%d %H:%M}"


class TeamForm(forms.Form):
    node = forms.ModelChoiceField(label=_("Unit"), queryset=None)
    name = TextField(label=_("Team name"), max_length=80)
    leader = forms.ModelChoiceField(label=_("Leader"), queryset=None,
                                    help_text=_("An approved volunteer of the bank."))
    description = TextField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, nodes, volunteers, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes
        self.fields["leader"].queryset = volunteers
        self.fields["leader"].label_from_instance = lambda p: f"{p.name} · {p.node.name if p.node else ''}"


class TeamClaimForm(forms.Form):
    demand = forms.ModelChoiceField(label=_("Group activity"), queryset=None, widget=forms.RadioSelect)
    members = forms.ModelMultipleChoiceField(label=_("Members who will go"), queryset=None,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, demands, members, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["demand"].queryset = demands
        self.fields["demand"].label_from_instance = demand_label
        self.fields["members"].queryset = members
        self.fields["members"].label_from_instance = lambda p: p.name
