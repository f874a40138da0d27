"""Forms of the demand pages. Times are entered as a local date and wall-clock times (Asia/Shanghai)."""
import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from timebank.lib.errors import NotFound
from timebank.lib.text import TextField
from timebank.orgs.roles import Perm
from timebank.people.access import SELF_OR_PROXY, access_elder, elders_in_reach
from timebank.people.models import PersonStatus

from .models import Payer, ServiceCategory, ServiceMode, ServiceType

DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def local_moment(day: dt.date, at: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, at))


class TypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ServiceType) -> str:
        from django.utils.translation import get_language

        return obj.display_name(get_language() or "zh-hans")


class WhenMixin(forms.Form):
    day = forms.DateField(label=_("Date"), widget=DATE)
    # Times of day: the context keeps them apart from a date range's "From" (开始日期) elsewhere.
    start = forms.TimeField(label=pgettext_lazy("time of day", "From"), widget=TIME)
    end = forms.TimeField(label=pgettext_lazy("time of day", "Until"), widget=TIME)

    def moments(self) -> tuple[dt.datetime, dt.datetime]:
        data = self.cleaned_data
        return local_moment(data["day"], data["start"]), local_moment(data["day"], data["end"])


class ElderPicker(forms.Widget):
    """Choose an elder by searching (name, pinyin initials, last four digits) instead of one long
    list: without JavaScript the search button reloads the form with the matches (GET), with HTMX
    the matches follow the typing. Only the matches and the chosen elder are ever rendered."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.query, self.matches = "", []
        self.actor, self.purpose = None, None  # set by the form: whose reach, for what
        self.search_url, self.allow_none = "demands:elder_search", True  # the live search; "no one elder" offered

    def render(self, name, value, attrs=None, renderer=None):
        from django.template.loader import render_to_string

        people = list(self.matches)
        if value not in (None, "") and str(value).isdigit() and all(str(p.pk) != str(value) for p in people):
            # The chosen elder (a value from the query string or a resubmitted form) is shown only
            # when the one access layer lets the viewer reach them: an id is not a way to look anyone up.
            chosen = _chosen_elder(self.actor, value, self.purpose)
            people = [chosen, *people] if chosen is not None else people
        return render_to_string("demands/_elder_picker.html", {
            "name": name, "query": self.query, "people": people, "value": str(value or ""),
            "id": (attrs or {}).get("id", "id_" + name), "search_url": self.search_url,
            "allow_none": self.allow_none})


def _chosen_elder(actor, value, purpose):
    if actor is None or purpose is None:
        return None
    try:
        person = access_elder(actor, value, for_=purpose)
    except NotFound:
        return None
    return person if person.is_elder else None


def elders_to_pick(actor):
    """The elders staff may choose on the publish form: those the one access layer lets them reach
    for managing demands, registered as elders and active."""
    return elders_in_reach(actor, for_=Perm.DEMANDS_MANAGE).filter(is_elder=True, status=PersonStatus.ACTIVE)


def member_elders(actor):
    """The elders a member may ask help for on their own page: themselves and whom they are a proxy for."""
    return elders_in_reach(actor, for_=SELF_OR_PROXY).filter(is_elder=True).order_by("name")


class DemandForm(WhenMixin):
    """Station staff publish a need for an elder, several elders, or the whole community."""

    station = forms.ModelChoiceField(label=_("Service station"), queryset=None)
    service_type = TypeChoiceField(label=_("Service type"), queryset=None)
    elder = forms.ModelChoiceField(label=_("Elder"), queryset=None, required=False, widget=ElderPicker,
                                   help_text=_("Search by name, pinyin initials or the last 4 digits of the "
                                               "phone or ID number. Leave empty for a group activity."))
    for_community = forms.BooleanField(label=_("For the whole community"), required=False)
    headcount = forms.IntegerField(label=_("Volunteers needed"), min_value=1, max_value=200, initial=1)
    address = TextField(label=_("Address"), max_length=200, required=False,
                        help_text=_("Leave empty to use the elder's address from their record. The map point "
                                    "comes from the address, or else the station's."))
    notes = TextField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    payer = forms.ChoiceField(label=_("Paid by"), choices=Payer.choices, initial=Payer.BRANCH,
                              widget=forms.RadioSelect)
    weekly_until = forms.DateField(label=_("Repeat every week until"), required=False, widget=DATE,
                                   help_text=_("Leave empty for a single request."))
    publish = forms.BooleanField(label=_("Publish now"), required=False, initial=True)

    def __init__(self, *args, actor, stations, types, elder_query: str = "", elder_matches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations
        self.fields["service_type"].queryset = types
        self.fields["elder"].queryset = elders_to_pick(actor)  # validates the choice
        picker = self.fields["elder"].widget  # shows only the matches and the chosen elder
        picker.query, picker.matches = elder_query, list(elder_matches)
        picker.actor, picker.purpose = actor, Perm.DEMANDS_MANAGE
        order = ["station", "service_type", "elder", "for_community", "day", "start", "end", "weekly_until",
                 "headcount", "address", "notes", "payer", "publish"]
        self.order_fields(order)


class MemberDemandForm(WhenMixin):
    """An elder or a proxy asks for help (fewer choices, large type)."""

    elder = forms.ModelChoiceField(label=_("Who needs help"), queryset=None, empty_label=None,
                                   widget=forms.RadioSelect)
    service_type = TypeChoiceField(label=_("What help"), queryset=None, empty_label=None)
    address = TextField(label=_("Address"), max_length=200, required=False)
    notes = TextField(label=_("Anything the volunteer should know"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    payer = forms.ChoiceField(label=_("Paid by"), choices=Payer.choices, initial=Payer.BRANCH,
                              widget=forms.RadioSelect)

    def __init__(self, *args, elders, types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["elder"].queryset = elders
        self.fields["service_type"].queryset = types
        self.order_fields(["elder", "service_type", "day", "start", "end", "address", "notes", "payer"])


class StationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.parent.name} · {obj.name}"


class ElsewhereDemandForm(WhenMixin):
    """在其他区预约服务: an elder or a proxy books a service at a station of another bank of the platform,
    paid with the elder's own coins (large type, few choices)."""

    bank = forms.IntegerField(widget=forms.HiddenInput)
    elder = forms.ModelChoiceField(label=_("Who needs help"), queryset=None, empty_label=None,
                                   widget=forms.RadioSelect)
    station = StationChoiceField(label=_("Service station"), queryset=None, empty_label=None)
    service_type = TypeChoiceField(label=_("What help"), queryset=None, empty_label=None)
    address = TextField(label=_("Address"), max_length=200, required=False)
    notes = TextField(label=_("Anything the volunteer should know"), required=False,
                      widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, elders, stations, types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["elder"].queryset = elders
        self.fields["station"].queryset = stations
        self.fields["service_type"].queryset = types
        self.order_fields(["bank", "elder", "station", "service_type", "day", "start", "end", "address", "notes"])


class VisitorDemandForm(WhenMixin):
    """Station staff book a service for a visiting elder of another bank, paid with the elder's coins: the
    elder is found by mobile number and the ID card they show; the booking follows once the name is shown."""

    mobile = TextField(label=_("The elder's mobile number"), max_length=20,
                       widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    id_number = TextField(label=_("Resident ID number (from the card the elder shows)"), max_length=20,
                          widget=forms.TextInput(attrs={"autocomplete": "off"}))
    station = StationChoiceField(label=_("Service station"), queryset=None, empty_label=None)
    service_type = TypeChoiceField(label=_("Service type"), queryset=None, empty_label=None)
    address = TextField(label=_("Address"), max_length=200, required=False)
    notes = TextField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, stations, types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations
        self.fields["service_type"].queryset = types
        self.order_fields(["mobile", "id_number", "station", "service_type", "day", "start", "end", "address",
                           "notes"])


class FeedFilterForm(forms.Form):
    type = TypeChoiceField(label=_("Service type"), queryset=None, required=False, empty_label=_("Any"))
    day = forms.DateField(label=_("Date"), required=False, widget=DATE)
    distance = forms.ChoiceField(label=_("Distance"), required=False,
                                 choices=[("", _("Any")), ("1", _("Within 1 km")), ("3", _("Within 3 km")),
                                          ("10", _("Within 10 km"))])

    def __init__(self, *args, types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = types


class _PlainLabels(forms.Form):
    """Forms whose fields the templates lay out one by one: labels without Django's ASCII colon."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class CheckInForm(_PlainLabels):
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    station_code = TextField(label=_("Station code (if your location cannot be found)"), required=False,
                                   max_length=32)


class RatingForm(_PlainLabels):
    FACES = [(5, _("Very good")), (4, _("Good")), (3, _("All right")), (2, _("Not good")), (1, _("Bad"))]
    rating = forms.TypedChoiceField(label=_("How was the service?"), choices=FACES, coerce=int,
                                    widget=forms.RadioSelect)
    comment = TextField(label=_("Anything to add"), required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = TextField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class CancelForm(_PlainLabels):
    reason = TextField(label=_("Reason"), max_length=200, required=False)


class PaperServiceForm(WhenMixin):
    volunteer = forms.ModelChoiceField(label=_("Volunteer"), queryset=None)
    reason = TextField(label=_("Why on paper"), max_length=200)

    def __init__(self, *args, volunteers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = volunteers
        self.order_fields(["volunteer", "day", "start", "end", "reason"])


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("credit", _("Credit the service")), ("reject", _("Do not credit"))])
    served_minutes = forms.IntegerField(label=_("Minutes to credit (to lower them)"), required=False, min_value=0)
    note = TextField(label=_("Note"), max_length=500)


class ServiceTypeForm(forms.Form):
    """A type of the bank's catalogue (bank admins). The code is chosen once, when it is added."""

    code = forms.SlugField(label=_("Code"), max_length=40,
                           help_text=_("Letters, digits and underscores; it cannot be changed later."))
    name = TextField(label=_("Chinese name"), max_length=60)
    name_en = TextField(label=_("English name"), max_length=60, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=ServiceCategory.choices)
    mode = forms.ChoiceField(label=_("One-to-one or group"), choices=ServiceMode.choices, widget=forms.RadioSelect)
    default_minutes = forms.IntegerField(label=_("Usual duration (minutes)"), min_value=5, max_value=24 * 60)
    rate_percent = forms.IntegerField(label=_("Coin rate (%)"), min_value=1, max_value=1000,
                                      help_text=_("Minutes credited per 100 minutes served: 100 is 1×, 200 is 2×."))
    points_per_hour = forms.IntegerField(label=_("Points per hour"), min_value=0, max_value=10000)
    required_certificate = TextField(label=_("Certificate required"), max_length=40, required=False,
                                           help_text=_("The training certificate a volunteer must hold; empty for none."))
    is_active = forms.BooleanField(label=_("Offered"), required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]


class SeriesForm(forms.Form):
    """Change a weekly request: the series and its coming dates nobody has taken yet."""

    start = forms.TimeField(label=pgettext_lazy("time of day", "From"), widget=TIME)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=5, max_value=12 * 60)
    until = forms.DateField(label=_("Repeat every week until"), widget=DATE)
    headcount = forms.IntegerField(label=_("Volunteers needed"), min_value=1, max_value=200)
    address = TextField(label=_("Address"), max_length=200, required=False)
    notes = TextField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def changes(self, series) -> dict:
        """Only what differs from the series, so an untouched time does not move any date."""
        data = self.cleaned_data
        wanted = {"start_time": data["start"], "duration_minutes": data["duration_minutes"], "until": data["until"],
                  "headcount": data["headcount"], "address": data["address"], "notes": data["notes"]}
        return {k: v for k, v in wanted.items() if getattr(series, k) != v}


class OfferForm(forms.Form):
    """我能提供: a member says what they can offer."""

    service_type = TypeChoiceField(label=_("Kind of service"), queryset=None, empty_label=_("Choose one"))
    description = TextField(label=_("What I can offer, in a few words"), max_length=200,
                            widget=forms.Textarea(attrs={"rows": 2}),
                            help_text=_("For example: I can cut hair at home, Tuesday mornings."))
    free_slots = forms.MultipleChoiceField(label=_("When I am usually free (tick any)"), required=False,
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, types, **kwargs):
        from timebank.lib.week_slots import slot_choices

        super().__init__(*args, **kwargs)
        self.fields["service_type"].queryset = types
        self.fields["free_slots"].choices = slot_choices()


class OfferFilterForm(forms.Form):
    q = TextField(label=_("Search"), required=False, max_length=40, widget=forms.SearchInput(
        attrs={"placeholder": _("Member's name, initials, last 4 digits of phone, or words of the offer")}))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status"))])
    type = forms.ModelChoiceField(label=_("Kind of service"), required=False, queryset=None,
                                  empty_label=_("All kinds"))
    station = forms.ModelChoiceField(label=_("Station"), required=False, queryset=None, empty_label=_("All stations"))

    def __init__(self, *args, types, stations, **kwargs):
        from .models import OfferStatus

        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status"))] + list(OfferStatus.choices)
        self.fields["type"].queryset = types
        self.fields["station"].queryset = stations


class OfferRequestForm(WhenMixin):
    """Station staff make a request from an offer: the elder (found by search), the day and time."""

    elder = forms.ModelChoiceField(label=_("Elder"), queryset=None, widget=ElderPicker,
                                   help_text=_("Search by name, pinyin initials or the last 4 digits of the "
                                               "phone or ID number."))
    payer = forms.ChoiceField(label=_("Paid by"), choices=Payer.choices, initial=Payer.BRANCH,
                              widget=forms.RadioSelect)
    notes = TextField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    key = TextField(widget=forms.HiddenInput, max_length=100, required=False)

    def __init__(self, *args, actor, elder_query: str = "", elder_matches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["elder"].queryset = elders_to_pick(actor)
        picker = self.fields["elder"].widget
        picker.query, picker.matches = elder_query, list(elder_matches)
        picker.actor, picker.purpose, picker.allow_none = actor, Perm.DEMANDS_MANAGE, False
        self.order_fields(["elder", "day", "start", "end", "payer", "notes", "key"])
