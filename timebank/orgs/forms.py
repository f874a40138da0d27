"""Forms of the org tree, role grant and bank rules pages; the services decide what is allowed."""
from django import forms
from django.utils.translation import gettext_lazy as _

from timebank.lib.text import TextField
from timebank.lib.thresholds import parse_ascending

from .models import BankRules


class NodeCreateForm(forms.Form):
    name = TextField(label=_("Unit name"), max_length=100)
    name_en = TextField(label=_("English name"), max_length=100, required=False)


class NodeUpdateForm(forms.Form):
    name = TextField(label=_("Unit name"), max_length=100)
    name_en = TextField(label=_("English name"), max_length=100, required=False)
    address = TextField(label=_("Address of the unit"), max_length=200, required=False)


class GrantForm(forms.Form):
    mobile = TextField(label=_("Mobile number of the person"), max_length=20)
    role = forms.ChoiceField(label=_("Role"))
    node = forms.TypedChoiceField(label=_("Where (reaches everything below)"), coerce=int)

    def __init__(self, *args, roles=(), nodes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = list(roles)
        top = min((n.depth for n in nodes), default=0)
        self.fields["node"].choices = [(n.pk, "\u2003" * (n.depth - top) + f"{n.name} ({n.get_kind_display()})")
                                       for n in nodes]


class RulesForm(forms.ModelForm):
    # Text rules where empty is a value ("none required"), not "keep the current one".
    CLEARABLE = ("orientation_course_code",)

    class Meta:
        model = BankRules
        fields = ["volunteer_approval_required", "volunteer_min_age", "elder_min_age",
                  # The ledger.
                  "daily_earn_cap_minutes", "balance_cap_minutes", "overflow_policy", "min_service_minutes_before_redeem",
                  "min_days_before_redeem", "points_per_hour", "gift_recipients", "gift_max_minutes",
                  "correction_approval_minutes", "hold_timeout_hours",
                  # Demands and services.
                  "demand_review_required", "checkin_radius_m", "unclaim_cutoff_hours", "no_show_grace_minutes",
                  "auto_confirm_days", "service_tolerance_minutes",
                  # Teams, training and honours.
                  "team_hours_donation_only", "orientation_course_code", "certificate_reminder_days",
                  "honour_thresholds_hours"]
        field_classes = {"orientation_course_code": TextField, "honour_thresholds_hours": TextField}
        help_texts = {
            "volunteer_approval_required": _("When on, station staff approve each volunteer who signs up."),
            "volunteer_min_age": _("Younger volunteers need a guardian's consent."),
            "elder_min_age": _("The youngest age at which a person may be registered as an elder."),
            "daily_earn_cap_minutes": _("Minutes a volunteer may earn per day; 0 means no cap (e.g. 120 for 2 hours)."),
            "balance_cap_minutes": _("Largest balance a member may hold; 0 means no cap (Nanjing: 90000 = 1,500 hours)."),
            "min_service_minutes_before_redeem": _("Minutes of service before a first redemption; 0 means none."),
            "gift_max_minutes": _("Largest single gift in minutes; 0 means no limit."),
            "correction_approval_minutes": _("Corrections and grants above this need a second admin."),
            "team_hours_donation_only": _("Nanjing: hours earned by teams can only be donated."),
            "orientation_course_code": _("The code of a training course; empty means no orientation is required."),
            "honour_thresholds_hours": _("Whole hours, ascending, separated by commas (e.g. 100,300,600,1000,1500)."),
        }

    def clean_honour_thresholds_hours(self):
        value = self.cleaned_data.get("honour_thresholds_hours")
        if value in (None, ""):
            return value
        try:
            return ",".join(str(h) for h in parse_ascending(value, default=(), strict=True))
        except ValueError:
            raise forms.ValidationError(_("Enter whole hours in ascending order, separated by commas.")) from None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A number left out keeps its current value (the view fills it in).
        for name, field in self.fields.items():
            if name not in ("volunteer_min_age", "elder_min_age") and not isinstance(field, forms.BooleanField):
                field.required = False
