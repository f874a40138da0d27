"""Forms of the supplier, order and meeting pages; the services decide what is allowed."""
from django import forms
from django.utils.translation import gettext_lazy as _

from timebank.lib.text import TextField

from .models import Payment, SupplierStatus


class SupplierFilterForm(forms.Form):
    q = TextField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *SupplierStatus.choices])
    type = TextField(label=_("Service type code"), required=False, max_length=40)


class SupplierForm(forms.Form):
    node = forms.TypedChoiceField(label=_("Belongs to"), coerce=int)
    name = TextField(label=_("Name"), max_length=100)
    credit_code = TextField(label=_("Unified social credit code"), max_length=40)
    contact_name = TextField(label=_("Contact person"), max_length=50)
    contact_phone = TextField(label=_("Contact phone"), max_length=20)
    address = TextField(label=_("Address"), max_length=200, required=False)
    licence_kind = TextField(label=_("Licence kind"), max_length=60, required=False)
    licence_number = TextField(label=_("Licence number"), max_length=60, required=False)
    licence_expires_on = forms.DateField(label=_("Licence expires on"), required=False,
                                         widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, nodes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [(n.pk, n.name) for n in nodes]


class ApplicationForm(forms.Form):
    """The public application (准入申请) a company fills in itself; staff review it afterwards."""

    node = forms.TypedChoiceField(label=_("Apply to"), coerce=int,
                                  help_text=_("The district bank, or the street (branch) you mainly serve."))
    name = TextField(label=_("Company name"), max_length=100)
    credit_code = TextField(label=_("Unified social credit code"), max_length=40,
                                  help_text=_("18 characters, as printed on the business licence."))
    contact_name = TextField(label=_("Contact person"), max_length=50)
    contact_phone = TextField(label=_("Contact phone"), max_length=20,
                                    widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    address = TextField(label=_("Address"), max_length=200, required=False)
    licence_kind = TextField(label=_("Licence kind"), max_length=60, initial=_("Business licence"))
    licence_number = TextField(label=_("Licence number"), max_length=60)
    licence_expires_on = forms.DateField(label=_("Licence expires on"), widget=forms.DateInput(attrs={"type": "date"}))
    application_note = TextField(label=_("Services you offer, prices and area"), max_length=2000,
                                       widget=forms.Textarea(attrs={"rows": 4}))
    consent = forms.BooleanField(label=_("The information is true; the bank may check it with the issuing authority."))

    def __init__(self, *args, nodes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [("", _("Choose")), *(
            (n.pk, n.name if n.kind == "bank" else f"{n.parent.name} · {n.name}") for n in nodes)]


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=SupplierStatus.choices)
    reason = TextField(label=_("Reason"), max_length=300, required=False)


class OfferForm(forms.Form):
    service_type = forms.TypedChoiceField(label=_("Service type"), coerce=int)
    price_yuan = forms.DecimalField(label=_("Price (yuan)"), min_value=0.01, max_value=1_000_000, decimal_places=2)
    accepts_coins = forms.BooleanField(label=_("Accepts coin redemption"), required=False, initial=True)

    def __init__(self, *args, types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].choices = [(t.pk, t.name) for t in types]


class MemberForm(forms.Form):
    """An existing person chosen among the search's matches (the access layer fetches them again)."""

    person = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class StaffNewForm(forms.Form):
    """A staff member who is not registered yet: registered at a station with an initial password."""

    station = forms.TypedChoiceField(label=_("Service station"), coerce=int)
    name = TextField(label=_("Name"), max_length=50)
    mobile = TextField(label=_("Mobile number (to sign in)"), max_length=20)
    id_number = TextField(label=_("Resident ID number"), max_length=24,
                          help_text=_("18 characters, as printed on the ID card."))
    password = forms.CharField(label=_("Initial password"), strip=False, max_length=128,
                               help_text=_("At least 8 characters, not only digits. Tell it to the person; "
                                           "it is not shown again."),
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_again = forms.CharField(label=_("Initial password again"), strip=False, max_length=128,
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    consent = forms.BooleanField(label=_("The person agrees to the processing of their personal data for the "
                                         "time bank."), required=True)

    def __init__(self, *args, stations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].choices = [("", _("Choose a station"))] + [(s.pk, s.name) for s in stations]

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords are not the same."))
        return data


class CommendationForm(forms.Form):
    note = TextField(label=_("Commendation"), max_length=300)


class BookForm(forms.Form):
    elder = forms.TypedChoiceField(label=_("Elder"), coerce=int)
    service_type = forms.TypedChoiceField(label=_("Service"), coerce=int)
    starts_at = forms.DateTimeField(label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    payment = forms.ChoiceField(label=_("Payment"), choices=Payment.choices)
    address = TextField(label=_("Address"), max_length=200, required=False)
    notes = TextField(label=_("Notes"), max_length=500, required=False)

    def __init__(self, *args, elders=(), types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["elder"].choices = [(e.pk, e.name) for e in elders]
        self.fields["service_type"].choices = [(t.pk, t.name) for t in types]


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("How was it?"), coerce=int, choices=[(i, str(i)) for i in range(5, 0, -1)])
    comment = TextField(label=_("Comment"), max_length=500, required=False)


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    title = TextField(label=_("Title"), max_length=100)
    attendees = TextField(label=_("Attendees"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    minutes = TextField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 6}))
    suppliers = forms.TypedMultipleChoiceField(label=_("Suppliers concerned"), coerce=int, required=False,
                                               widget=forms.CheckboxSelectMultiple)
    decisions = TextField(label=_("Decisions (one a line: decision | owner)"), required=False,
                                widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, suppliers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["suppliers"].choices = [(s.pk, s.name) for s in suppliers]


class SupplierRulesForm(forms.ModelForm):
    class Meta:
        from .models import SupplierRules

        model = SupplierRules
        fields = ["trial_days", "licence_warn_days", "guarantee_hours", "ack_working_days", "resolve_days",
                  "score_start", "score_rating_1", "score_rating_2", "score_rating_3", "score_rating_4",
                  "score_rating_5", "score_complaint_minor", "score_complaint_major", "score_complaint_serious",
                  "score_late", "late_after_hours", "score_missed", "missed_after_hours", "score_commendation",
                  "warn_below", "suspend_below", "exit_below"]
