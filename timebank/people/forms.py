"""Forms of the people pages. They check shape only; the services decide what is allowed and valid."""
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from timebank.lib.mobile import normalise_mobile
from timebank.lib.text import TextField
from timebank.lib.week_slots import slot_choices

from .models import Gender, PersonStatus, ProxyRelation

ROLE_FILTERS = [("", _("Everyone")), ("elder", _("Elders")), ("volunteer", _("Volunteers")), ("proxy", _("Proxies"))]


def station_choices(stations, *, blank: str | None = None, grouped: bool = False) -> list:
    """Stations as select options; `grouped` puts them under their branch (an <optgroup> each)."""
    choices: list = [("", blank)] if blank is not None else []
    if not grouped:
        return choices + [(s.pk, s.name) for s in stations]
    groups: dict[str, list] = {}
    for station in stations:
        branch = station.parent.name if station.parent else ""
        groups.setdefault(branch, []).append((station.pk, station.name))
    return choices + [(branch, options) for branch, options in groups.items()]


class LoginForm(AuthenticationForm):
    username = TextField(label=_("Mobile number"), max_length=20, widget=forms.TextInput(
        attrs={"autocomplete": "username", "inputmode": "numeric", "autofocus": True}))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    error_messages = {
        "invalid_login": _("The mobile number or password is wrong. Please try again."),
        "inactive": _("This account is not active. Please ask your service station."),
    }

    def clean_username(self) -> str:
        # Elders type full-width digits and spaces; the username is the plain 11 digits.
        return normalise_mobile(self.cleaned_data["username"])


class PeopleFilterForm(forms.Form):
    q = TextField(label=_("Search"), required=False, max_length=50, widget=forms.SearchInput(
        attrs={"placeholder": _("Name, initials (zxm), last 4 digits of phone or ID")}))
    role = forms.ChoiceField(label=_("Role"), required=False, choices=ROLE_FILTERS)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status"))] + list(PersonStatus.choices))
    station = forms.TypedChoiceField(label=_("Station"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, stations=(), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["station"].choices = station_choices(stations, blank=_("All stations"))


class PersonEditForm(forms.Form):
    name = TextField(label=_("Name"), max_length=50)
    mobile = TextField(label=_("Mobile number"), max_length=20, required=False)
    address = TextField(label=_("Address"), max_length=200, required=False)
    emergency_contact_name = TextField(label=_("Emergency contact"), max_length=50, required=False)
    emergency_contact_phone = TextField(label=_("Emergency contact phone"), max_length=20, required=False)
    node = forms.TypedChoiceField(label=_("Home station"), coerce=int)
    status = forms.ChoiceField(label=_("Status"), choices=PersonStatus.choices)
    is_elder = forms.BooleanField(label=_("Elder (receives services)"), required=False)
    is_volunteer = forms.BooleanField(label=_("Volunteer (gives services)"), required=False)
    guardian_consent = forms.BooleanField(label=_("Guardian consent (volunteers under 18)"), required=False)
    skills = forms.MultipleChoiceField(label=_("Volunteer can do"), required=False,
                                       widget=forms.CheckboxSelectMultiple)
    free_slots = forms.MultipleChoiceField(label=_("Volunteer is usually free"), required=False,
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, stations=(), skills=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = station_choices(stations)
        self.fields["skills"].choices = list(skills)
        self.fields["free_slots"].choices = slot_choices()


class ProxyLinkForm(forms.Form):
    mobile = TextField(label=_("Mobile number of the proxy"), max_length=20)
    relation = forms.ChoiceField(label=_("Relation to the elder"), choices=ProxyRelation.choices)


class StaffPasswordForm(forms.Form):
    new_password = forms.CharField(label=_("New password"), strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password_again = forms.CharField(label=_("New password again"), strip=False,
                                         widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("The two passwords are not the same."))
        return data


class _IdentityFields(forms.Form):
    name = TextField(label=_("Name"), max_length=50)
    id_number = TextField(label=_("Resident ID number"), max_length=24,
                                help_text=_("18 characters, as printed on the ID card."))
    address = TextField(label=_("Address"), max_length=200, required=False)
    emergency_contact_name = TextField(label=_("Emergency contact"), max_length=50, required=False)
    emergency_contact_phone = TextField(label=_("Emergency contact phone"), max_length=20, required=False)


class RegisterPersonForm(_IdentityFields):
    KIND_ELDER, KIND_PROXY = "elder", "proxy"

    kind = forms.ChoiceField(label=_("Register as"), widget=forms.RadioSelect, initial=KIND_ELDER, choices=[
        (KIND_ELDER, _("Elder (receives services)")),
        (KIND_PROXY, _("Family member or social worker (acts for an elder)")),
    ])
    station = forms.TypedChoiceField(label=_("Service station"), coerce=int)
    gender = forms.ChoiceField(label=_("Gender (to double-check the ID)"), required=False,
                               choices=[("", _("Take from the ID number"))] + list(Gender.choices))
    birth_date = forms.DateField(label=_("Birth date (to double-check the ID)"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    mobile = TextField(label=_("Mobile number (if any)"), max_length=20, required=False)
    consent = forms.BooleanField(label=_("The person (or their guardian) agrees to the processing of their "
                                         "personal data for the time bank."), required=True)

    field_order = ["kind", "station", "name", "id_number", "gender", "birth_date", "mobile", "address",
                   "emergency_contact_name", "emergency_contact_phone", "consent"]

    def __init__(self, *args, stations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].choices = station_choices(stations, blank=_("Choose a station"))

    def clean(self):
        data = super().clean()
        if data.get("kind") == self.KIND_PROXY and not data.get("mobile"):
            self.add_error("mobile", _("A proxy needs a mobile number: it is how they sign in."))
        return data


class SignupForm(_IdentityFields):
    station = forms.TypedChoiceField(label=_("Service station near you"), coerce=int)
    mobile = TextField(label=_("Mobile number"), max_length=20,
                             help_text=_("You sign in with this number."),
                             widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}))
    password = forms.CharField(label=_("Password"), strip=False, help_text=_("At least 8 characters, not only digits."),
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_again = forms.CharField(label=_("Password again"), strip=False,
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    guardian_consent = forms.BooleanField(label=_("I am under 18 and my guardian agrees."), required=False)
    skills = forms.MultipleChoiceField(
        label=_("What I can do (tick any)"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("We tell you first about requests of these kinds."))
    free_slots = forms.MultipleChoiceField(
        label=_("When I am usually free (tick any)"), required=False, widget=forms.CheckboxSelectMultiple)
    consent = forms.BooleanField(label=_("I agree to the processing of my personal data for the time bank."),
                                 required=True)

    field_order = ["name", "id_number", "mobile", "password", "password_again", "station", "address",
                   "emergency_contact_name", "emergency_contact_phone", "skills", "free_slots", "guardian_consent",
                   "consent"]

    def __init__(self, *args, stations=(), skills=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].choices = station_choices(stations, blank=_("Choose a station"), grouped=True)
        self.fields["skills"].choices = list(skills)
        self.fields["free_slots"].choices = slot_choices()

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords are not the same."))
        return data


class TokenCreateForm(forms.Form):
    name = TextField(label=_("What is this token for?"), max_length=60,
                           widget=forms.TextInput(attrs={"placeholder": _("e.g. station tablet")}))
