"""Forms of the health pages."""
from django import forms
from django.utils.translation import gettext_lazy as _

from timebank.demands.forms import ElderPicker
from timebank.lib.text import TextField
from timebank.orgs.models import NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import nodes_visible_to
from timebank.people.access import elders_in_reach
from timebank.people.models import PersonStatus

from .models import AlertRule, AlertStatus, CardStatus, GlucoseContext, Outcome, ReadingKind, Severity, Thresholds
from .services import THRESHOLD_FIELDS


class CardForm(forms.Form):
    elder = forms.ModelChoiceField(label=_("Elder"), queryset=None, widget=ElderPicker,
                                   help_text=_("Search by name, pinyin initials or the last 4 digits of the "
                                               "phone or ID number."))
    uid = TextField(label=_("Card UID"), max_length=32)

    def __init__(self, *args, actor, elder_query: str = "", elder_matches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["elder"].queryset = elders_for_cards(actor)  # validates the choice
        picker = self.fields["elder"].widget
        picker.query, picker.matches, picker.actor, picker.purpose = elder_query, list(elder_matches), actor, \
            Perm.HEALTH_CARDS
        picker.search_url, picker.allow_none = "health:elder_search", False


def elders_for_cards(actor):
    """The elders whose health card the actor may issue: in reach for health.cards, active."""
    return elders_in_reach(actor, for_=Perm.HEALTH_CARDS).filter(is_elder=True, status=PersonStatus.ACTIVE)


class DeviceForm(forms.Form):
    # Chosen by name among the open stations in the actor's reach; the service checks the choice again.
    station_id = forms.TypedChoiceField(label=_("Service station"), coerce=int)
    serial = TextField(label=_("Serial number"), max_length=64)
    model = TextField(label=_("Model"), max_length=64, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        stations = (nodes_visible_to(actor, Perm.HEALTH_DEVICES).filter(kind=NodeKind.STATION, is_closed=False)
                    .order_by("path"))
        self.fields["station_id"].choices = [("", "—"), *((n.pk, n.name) for n in stations)]


class ManualReadingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ReadingKind.choices)
    systolic = forms.IntegerField(label=_("Systolic (mmHg)"), required=False)
    diastolic = forms.IntegerField(label=_("Diastolic (mmHg)"), required=False)
    glucose = forms.DecimalField(label=_("Glucose"), required=False, max_digits=6, decimal_places=2)
    unit = forms.ChoiceField(label=_("Unit"), choices=[("", "—"), ("mmol/L", "mmol/L"), ("mg/dL", "mg/dL")],
                             required=False)
    context = forms.ChoiceField(label=_("When"), choices=[("", "—"), *GlucoseContext.choices], required=False)
    bpm = forms.IntegerField(label=_("Heart rate (bpm)"), required=False)
    measured_at = forms.DateTimeField(label=_("Measured at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class FollowUpForm(forms.Form):
    # Shown inline in each queue row without a <label>: the aria-label names the field for screen readers.
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices,
                                widget=forms.Select(attrs={"aria-label": _("Outcome")}))
    note = TextField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2, "aria-label": _("Note")}))


class ThresholdsForm(forms.Form):
    reason = TextField(label=_("Reason"), max_length=200, required=False)
    effective_from = forms.DateTimeField(label=_("In force from (empty: now)"), required=False,
                                         widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args, current: Thresholds, **kwargs):
        super().__init__(*args, **kwargs)
        for name in THRESHOLD_FIELDS:
            self.fields[name] = forms.IntegerField(label=Thresholds._meta.get_field(name).verbose_name,
                                                   initial=getattr(current, name), min_value=0)


class _FilterForm(forms.Form):
    """A list's filters: labels without Django's ASCII colon, as the other apps' filters."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class AlertFilterForm(_FilterForm):
    """The queue's filters (GET); each is optional and a wrong value is simply ignored."""

    q = TextField(label=_("Elder (name, initials or phone tail)"), max_length=40, required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Not closed")), *AlertStatus.choices])
    severity = forms.ChoiceField(label=_("Severity"), required=False, choices=[("", "—"), *Severity.choices])
    rule = forms.ChoiceField(label=_("Rule"), required=False, choices=[("", "—"), *AlertRule.choices])
    node = forms.TypedChoiceField(label=_("Branch or station"), required=False, coerce=int, empty_value=None)
    opened_from = forms.DateField(label=_("Opened from"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    opened_to = forms.DateField(label=_("Opened until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, nodes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [("", "—"), *((n.pk, n.name) for n in nodes)]


class CardFilterForm(_FilterForm):
    q = TextField(label=_("Card UID or elder"), max_length=40, required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", "—"), *CardStatus.choices])


class DeviceFilterForm(_FilterForm):
    q = TextField(label=_("Serial, model or station"), max_length=64, required=False)
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", "—"), ("active", _("In use")), ("revoked", _("Revoked"))])
